#include "metrics/internal/record_format.h"

#include <utility>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_io.h"

namespace weft::pipeline::metrics {
namespace {

constexpr size_t kMaxName = 4096;  // service / operation names are bounded by validation

void put_exemplar(std::string& out, const Exemplar& e) {
  out.append(e.trace_id.as_bytes());
  coding::put_varint64(out, e.duration_nanos);
  coding::put_varint64(out, e.end_unix_nano);
  out.push_back(e.error ? 1 : 0);
}

bool get_exemplar(std::string_view& in, Exemplar* e) {
  if (in.size() < model::TraceId::kSize) return false;
  e->trace_id = *model::TraceId::from_bytes(in.substr(0, model::TraceId::kSize));
  in.remove_prefix(model::TraceId::kSize);
  if (!coding::get_varint64(in, &e->duration_nanos) ||
      !coding::get_varint64(in, &e->end_unix_nano) || in.empty())
    return false;
  uint8_t err = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (err > 1) return false;
  e->error = err;
  return true;
}

bool get_byte(std::string_view& in, uint8_t* b) {
  if (in.empty()) return false;
  *b = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  return true;
}

bool skip_name(std::string_view& in) {
  uint64_t n = 0;
  if (!coding::get_varint64(in, &n) || n > kMaxName || n > in.size()) return false;
  in.remove_prefix(static_cast<size_t>(n));
  return true;
}

// The family and bucket start of a payload, without decoding the rest.
bool peek_payload(std::string_view in, Family* family, uint64_t* bucket) {
  uint8_t f = 0, kind = 0, flags = 0;
  if (!get_byte(in, &f) || f >= kFamilyCount || !skip_name(in) || !skip_name(in) ||
      !get_byte(in, &kind) || !get_byte(in, &flags) || !coding::get_varint64(in, bucket))
    return false;
  *family = static_cast<Family>(f);
  return true;
}

}  // namespace

std::string segment_header() {
  std::string s(kSegmentMagic);
  coding::put_fixed32(s, kSegmentFormatVersion);
  return s;
}

std::string encode_payload(const BucketRecord& r) {
  std::string out;
  out.push_back(static_cast<char>(r.key.family));
  put_length_prefixed(out, r.key.first);
  put_length_prefixed(out, r.key.second);
  out.push_back(static_cast<char>(r.key.kind));
  out.push_back(static_cast<char>(r.key.flags));
  coding::put_varint64(out, r.bucket_start_unix_nano);
  coding::put_varint64(out, r.stats.calls);
  coding::put_varint64(out, r.stats.errors);
  put_length_prefixed(out, r.stats.durations.encode());
  const auto& slowest = r.stats.exemplars.slowest();
  out.push_back(slowest ? 1 : 0);
  if (slowest) put_exemplar(out, *slowest);
  coding::put_varint64(out, r.stats.exemplars.errors().size());
  for (const Exemplar& e : r.stats.exemplars.errors()) put_exemplar(out, e);
  return out;
}

Result<BucketRecord> decode_payload(RecordType type, std::string_view in) {
  auto bad = [](const char* why) { return data_loss(std::string("metrics record: ") + why); };
  BucketRecord r;
  r.type = type;
  uint8_t family = 0;
  if (!get_byte(in, &family) || family >= kFamilyCount) return bad("bad family");
  r.key.family = static_cast<Family>(family);
  if (!get_length_prefixed(in, &r.key.first) || !get_length_prefixed(in, &r.key.second) ||
      r.key.first.size() > kMaxName || r.key.second.size() > kMaxName)
    return bad("bad series name");
  if (!get_byte(in, &r.key.kind) || !get_byte(in, &r.key.flags)) return bad("truncated key");
  const bool spans = r.key.family == Family::kSpans;
  if (r.key.kind > (spans ? 5 : 3) || r.key.flags > (spans ? 1 : 3)) return bad("bad key kind");
  std::string sketch;
  if (!coding::get_varint64(in, &r.bucket_start_unix_nano) ||
      !coding::get_varint64(in, &r.stats.calls) || !coding::get_varint64(in, &r.stats.errors) ||
      !get_length_prefixed(in, &sketch))
    return bad("truncated stats");
  if (r.stats.errors > r.stats.calls) return bad("more errors than calls");
  auto s = Sketch::decode(sketch);
  if (!s.is_ok()) return s.status();
  if (s->count() != r.stats.calls) return bad("sketch count differs from calls");
  r.stats.durations = std::move(*s);
  uint8_t has_slowest = 0;
  if (!get_byte(in, &has_slowest) || has_slowest > 1) return bad("bad exemplars");
  std::optional<Exemplar> slowest;
  if (has_slowest) {
    Exemplar e;
    if (!get_exemplar(in, &e)) return bad("bad exemplar");
    slowest = e;
  }
  uint64_t n = 0;
  if (!coding::get_varint64(in, &n) || n > Exemplars::kMaxErrors) return bad("bad exemplars");
  std::vector<Exemplar> errors(static_cast<size_t>(n));
  for (Exemplar& e : errors)
    if (!get_exemplar(in, &e)) return bad("bad exemplar");
  if (!in.empty()) return bad("trailing bytes");
  r.stats.exemplars = Exemplars::from(std::move(slowest), std::move(errors));
  return r;
}

void append_record(std::string& out, const BucketRecord& r) {
  const std::string payload = encode_payload(r);
  const char type = static_cast<char>(r.type);
  uint32_t crc = crc32c::extend(0, &type, 1);
  crc = crc32c::extend(crc, payload.data(), payload.size());
  coding::put_fixed32(out, crc32c::mask(crc));
  coding::put_fixed32(out, static_cast<uint32_t>(payload.size()));
  out.push_back(type);
  out.append(payload);
}

SegmentContents read_segment(std::string_view file) {
  std::vector<BucketRecord> records;
  SegmentContents c = scan_segment(file, [&](BucketRecord&& r) { records.push_back(std::move(r)); });
  c.records = std::move(records);
  return c;
}

SegmentContents scan_segment(std::string_view file,
                             const std::function<void(BucketRecord&&)>& on_record) {
  return scan_segment_if(file, nullptr, on_record);
}

SegmentContents scan_segment_if(std::string_view file, const RecordFilter& want,
                                const std::function<void(BucketRecord&&)>& on_record) {
  SegmentContents c;
  if (file.size() < kSegmentHeaderSize || file.substr(0, kSegmentMagic.size()) != kSegmentMagic ||
      coding::decode_fixed32(file.data() + kSegmentMagic.size()) != kSegmentFormatVersion) {
    c.damaged_bytes = file.size();
    c.truncated = file.size() < kSegmentHeaderSize &&
                  kSegmentMagic.starts_with(file.substr(0, kSegmentMagic.size()));
    c.damage = c.truncated ? "shorter than the segment header" : "bad magic or format version";
    return c;
  }
  c.header_ok = true;
  std::string_view in = file.substr(kSegmentHeaderSize);
  while (!in.empty()) {
    auto damaged = [&](std::string why, bool truncated = false) {
      c.damaged_bytes = in.size();
      c.damage = std::move(why);
      c.truncated = truncated;
    };
    if (in.size() < kRecordHeaderSize) {
      damaged("record header cut short by the end of the file", true);
      break;
    }
    const uint32_t masked = coding::decode_fixed32(in.data());
    const uint32_t len = coding::decode_fixed32(in.data() + 4);
    if (len > kMaxRecordPayload) {
      damaged("record length " + std::to_string(len) + " over the bound");
      break;
    }
    if (len > in.size() - kRecordHeaderSize) {
      damaged("record cut short by the end of the file", true);
      break;
    }
    const char* type_and_payload = in.data() + 8;
    if (crc32c::unmask(masked) != crc32c::extend(0, type_and_payload, 1 + size_t{len})) {
      damaged("record fails its CRC");
      break;
    }
    const auto type = static_cast<RecordType>(static_cast<uint8_t>(*type_and_payload));
    std::string_view payload(type_and_payload + 1, len);
    if (type == RecordType::kTenSecondDelta || type == RecordType::kMinute) {
      if (want) {
        Family family{};
        uint64_t bucket = 0;
        if (!peek_payload(payload, &family, &bucket)) {
          damaged("metrics record: bad series key");
          break;
        }
        if (!want(type, family, bucket)) {
          in.remove_prefix(kRecordHeaderSize + len);
          continue;
        }
      }
      auto r = decode_payload(type, payload);
      if (!r.is_ok()) {  // intact framing but nonsense inside: treat as damage too
        damaged(r.status().message());
        break;
      }
      on_record(std::move(*r));
    } else {
      ++c.unknown_records;
    }
    in.remove_prefix(kRecordHeaderSize + len);
  }
  return c;
}

}  // namespace weft::pipeline::metrics
