#include "store/wal/wal_recovery.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "store/wal/segment_name.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_reader.h"

namespace weft::store {

using namespace weft::model;

namespace {

void log_line(const std::string& msg) {
  std::fprintf(stderr, "weft: wal recovery: %s\n", msg.c_str());
}

}  // namespace

Result<WalRecoveryResult> recover_wal(const std::string& wal_dir,
                                      const std::function<void(uint64_t, SpanBatch&&)>& apply) {
  WalRecoveryResult out;
  WEFT_ASSIGN_OR_RETURN(out.segments, list_segments(wal_dir));
  for (size_t i = 0; i < out.segments.size(); ++i) {
    const uint64_t seq = out.segments[i];
    const bool last = i + 1 == out.segments.size();
    const std::string path = segment_path(wal_dir, seq);

    Result<WalSegmentReader> opened = WalSegmentReader::open(path);
    if (!opened.is_ok()) {
      const Status& s = opened.status();
      if (s.code() != ResultCode::kDataLoss) return s;  // I/O error: don't guess
      if (s.message().find("unknown WAL format version") != std::string::npos) return s;
      if (last && is_torn_header(s)) {
        // Created but never written past its header: an empty segment. Nothing is lost.
        log_line(s.message() + "; removing the empty segment");
        if (::unlink(path.c_str()) != 0) return errno_status("removing", path, errno);
        out.segments.pop_back();
        break;
      }
      ++out.corruptions;
      log_line(s.message() + "; skipping the segment");
      continue;
    }
    WalSegmentReader& reader = opened.value();
    wal::RecordType type;
    std::string_view payload;
    WalSegmentReader::Outcome o;
    while ((o = reader.next(&type, &payload)) == WalSegmentReader::Outcome::kRecord) {
      Result<SpanBatch> batch = decode_wal_payload(payload);
      if (!batch.is_ok()) {
        ++out.corruptions;
        log_line(path + ": undecodable record before offset " +
                 std::to_string(reader.good_offset()) + ": " + batch.status().message() +
                 "; skipping the record");
        continue;
      }
      ++out.records;
      out.spans += batch->spans.size();
      apply(seq, std::move(batch).value());
    }
    if (o == WalSegmentReader::Outcome::kEnd) continue;
    ++out.corruptions;
    if (last) {
      uint64_t cut = reader.file_size() - reader.good_offset();
      log_line(path + ": " + reader.problem() + "; truncating " + std::to_string(cut) +
               " bytes of damaged tail");
      if (::truncate(path.c_str(), static_cast<off_t>(reader.good_offset())) != 0)
        return errno_status("truncating", path, errno);
      out.truncated_bytes += cut;
    } else {
      log_line(path + ": " + reader.problem() + "; skipping the rest of the segment (" +
               std::to_string(reader.file_size() - reader.good_offset()) + " bytes)");
    }
  }
  return out;
}

}  // namespace weft::store
