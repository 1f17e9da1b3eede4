#include "store/queue/queue_recovery.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/queue/queue_cursor.h"
#include "store/queue/queue_record.h"
#include "store/wal/segment_name.h"
#include "store/wal/wal_reader.h"

namespace weft::store {
namespace {

void remove_file(const std::string& path, const std::function<void(const std::string&)>& log) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    log("queue: cannot remove " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<QueueRecoveryResult> recover_queue(const std::string& dir,
                                          const std::function<void(const std::string&)>& log) {
  QueueRecoveryResult out;
  auto cursor = read_queue_cursor(dir);
  if (!cursor.is_ok()) {
    ++out.corrupt;
    log("queue: " + cursor.status().message() +
        "; ignoring it: every entry still on disk will be delivered again");
  } else if (cursor->has_value()) {
    out.cursor = std::move(**cursor);
  }
  const uint64_t cursor_seq = queue_entry_seq(out.cursor.first_undelivered());
  out.max_seq = std::max(cursor_seq, queue_entry_seq(out.cursor.read_id));

  WEFT_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, list_segments(dir));
  for (uint64_t seq : seqs) {
    out.max_seq = std::max(out.max_seq, seq);
    const std::string path = segment_path(dir, seq);
    const bool last = seq == seqs.back();
    if (seq < cursor_seq) {
      // Delivered; the crash came between writing the cursor and deleting the file.
      remove_file(path, log);
      continue;
    }
    auto reader = WalSegmentReader::open(path);
    if (!reader.is_ok()) {
      // A torn header on the last segment is a crash while creating it: nothing was in it.
      if (!(last && is_torn_header(reader.status()))) {
        ++out.corrupt;
        log("queue: " + reader.status().message() + "; deleting the segment");
      }
      remove_file(path, log);
      continue;
    }
    RecoveredQueueSegment seg;
    seg.seq = seq;
    seg.skipped_end = reader->good_offset();
    wal::RecordType type;
    std::string_view payload;
    uint64_t index = 0;
    bool cut = false;
    for (;;) {
      auto outcome = reader->next(&type, &payload);
      if (outcome == WalSegmentReader::Outcome::kRecord) {
        if (out.cursor.delivered(queue_entry_id(seq, index))) {
          if (seg.skipped == index) {
            ++seg.skipped;
            seg.skipped_end = reader->good_offset();
          }
        } else {
          // A bad count (the CRC held) is found again, and counted, when the entry is read.
          uint64_t spans = 0;
          if (queue_payload_spans(payload, &spans)) seg.pending_spans += spans;
          ++seg.pending_entries;
        }
        ++index;
        continue;
      }
      if (outcome == WalSegmentReader::Outcome::kEnd) break;
      ++out.corrupt;
      if (last) {
        log("queue: " + path + ": " + reader->problem() + "; cutting the segment at offset " +
            std::to_string(reader->good_offset()));
        cut = ::truncate(path.c_str(), static_cast<off_t>(reader->good_offset())) == 0;
        if (!cut) log("queue: cannot truncate " + path + ": " + std::strerror(errno));
      } else {
        log("queue: " + path + ": " + reader->problem() + "; skipping the rest of the segment");
      }
      break;
    }
    seg.records = static_cast<uint32_t>(index);
    seg.end = reader->good_offset();
    seg.file_bytes = cut ? seg.end : reader->file_size();
    out.pending_entries += seg.pending_entries;
    out.segments.push_back(seg);
  }
  return out;
}

}  // namespace weft::store
