#pragma once
// Content-Encoding of request bodies: identity, gzip, zstd, deflate. Decompression is bounded so
// a small compressed body cannot expand past the configured limit (a zip bomb is a 413).
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft::server {

// Decodes `body` per `content_encoding` (case-insensitive; empty = identity).
// INVALID_ARGUMENT if the bytes are not valid for that encoding, RESOURCE_EXHAUSTED if the
// result would exceed `max_bytes`, and INVALID_ARGUMENT naming an unknown encoding.
Result<std::string> decode_content_encoding(std::string_view content_encoding, std::string body,
                                            size_t max_bytes);

// gzip-compresses `data` (for clients and tests).
std::string gzip_compress(std::string_view data, int level = -1);  // -1: zlib's default (6)
// zstd-compresses `data` at `level` (the agent's forwarding, tests).
std::string zstd_compress(std::string_view data, int level = 3);

}  // namespace weft::server
