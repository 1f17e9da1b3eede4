#include "server/body_decoding.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace weft::server {
namespace {

Result<std::string> inflate_bounded(std::string_view in, size_t max_bytes, bool gzip) {
  z_stream zs{};
  // 15 + 32: auto-detect zlib or gzip header; 15 + 16: gzip only.
  if (inflateInit2(&zs, gzip ? 15 + 16 : 15 + 32) != Z_OK)
    return internal_error("zlib initialisation failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  out.resize(std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_bytes + 1));
  int rc = Z_OK;
  while (true) {
    if (zs.total_out == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input
  }
  size_t produced = zs.total_out;
  const char* msg = zs.msg;
  inflateEnd(&zs);
  if (produced > max_bytes)
    return resource_exhausted("decompressed body exceeds the limit of " +
                              std::to_string(max_bytes) + " bytes");
  if (rc != Z_STREAM_END)
    return invalid_argument(std::string("body is not valid ") + (gzip ? "gzip" : "deflate") +
                            (msg ? std::string(": ") + msg : std::string(": truncated")));
  out.resize(produced);
  return out;
}

// Streams so a frame that does not state its size (or lies about it) is bounded too.
Result<std::string> unzstd_bounded(std::string_view in, size_t max_bytes) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return internal_error("zstd initialisation failed");
  std::string out;
  out.resize(std::min<size_t>(std::max<size_t>(in.size() * 4, 4096), max_bytes + 1));
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t rc = 1;
  while (true) {
    if (produced == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    ZSTD_outBuffer dst{out.data() + produced, out.size() - produced, 0};
    rc = ZSTD_decompressStream(dctx.get(), &dst, &src);
    produced += dst.pos;
    if (ZSTD_isError(rc))
      return invalid_argument(std::string("body is not valid zstd: ") + ZSTD_getErrorName(rc));
    if (rc == 0 && src.pos == src.size) break;                  // frame(s) complete
    if (src.pos == src.size && dst.pos < dst.size) break;       // input ran out mid-frame
  }
  if (produced > max_bytes)
    return resource_exhausted("decompressed body exceeds the limit of " +
                              std::to_string(max_bytes) + " bytes");
  if (rc != 0) return invalid_argument("body is not valid zstd: truncated");
  out.resize(produced);
  return out;
}

}  // namespace

Result<std::string> decode_content_encoding(std::string_view content_encoding, std::string body,
                                            size_t max_bytes) {
  std::string enc;
  for (char c : content_encoding)
    if (c != ' ') enc += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (enc.empty() || enc == "identity") {
    if (body.size() > max_bytes)
      return resource_exhausted("body exceeds the limit of " + std::to_string(max_bytes) +
                                " bytes");
    return body;
  }
  if (enc == "gzip" || enc == "x-gzip") return inflate_bounded(body, max_bytes, true);
  if (enc == "deflate") return inflate_bounded(body, max_bytes, false);
  if (enc == "zstd") return unzstd_bounded(body, max_bytes);
  return invalid_argument("unsupported Content-Encoding \"" + enc +
                          "\": use gzip, zstd, deflate or identity");
}

std::string gzip_compress(std::string_view data, int level) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace weft::server

namespace weft::server {

std::string zstd_compress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

}  // namespace weft::server
