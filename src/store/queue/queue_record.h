#pragma once
// The records of the agent's disk queue (docs/format/agent-queue.md, "Records"): WAL
// records (docs/format/wal.md, type SPAN_BATCH) whose payload is the batch's span count as
// a varint followed by the WAL payload (zstd of the span codec). The count lets recovery
// account for spans without decompressing anything.
//
// Thread-safety: the functions are pure or read files with their own descriptors; they may
// run concurrently.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/span.h"

namespace weft::store {

using namespace weft::model;

// varint(batch.spans.size()) | encode_wal_payload(batch).
std::string encode_queue_payload(const SpanBatch& batch);
// The span count at the front of a queue payload; false if it is not a varint.
bool queue_payload_spans(std::string_view payload, uint64_t* spans);
// The batch of a queue payload. DATA_LOSS if malformed.
Result<SpanBatch> decode_queue_payload(std::string_view payload);

// One record read back from a segment file.
struct QueueRecord {
  std::string payload;
  uint64_t end = 0;  // file offset just past the record
};

// Reads up to `max_records` whole records of the segment file `path`, starting at the
// record boundary `offset` and never looking at bytes at or past `end` (the committed end:
// the writer may be appending beyond it). Reads in chunks of a few MiB, so memory is
// bounded by one chunk plus one record.
// Stops early, with *problem set ("record checksum mismatch at offset N"), at a record that
// fails its checksum, has an impossible length or type, or crosses `end`; the records
// before it are returned. An I/O error is returned as a Status (ENOENT when the segment was
// deleted meanwhile).
Status read_queue_records(const std::string& path, uint64_t offset, uint64_t end,
                          size_t max_records, std::vector<QueueRecord>* out, std::string* problem);

}  // namespace weft::store
