#include "store/data_dir_inspect.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "store/lock_file.h"
#include "store/wal/segment_name.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_reader.h"

namespace weft::store {

using namespace weft::model;

namespace {

namespace fs = std::filesystem;
using Severity = VerifyCheck::Severity;

std::string wal_dir_of(const std::string& dir) { return dir + "/wal"; }
std::string lock_path_of(const std::string& dir) { return dir + "/LOCK"; }

Status check_data_dir(const std::string& dir) {
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) return invalid_argument(dir + ": no such directory");
  if (ec) return io_error(dir + ": " + ec.message());
  if (!fs::is_directory(st)) return invalid_argument(dir + ": not a directory");
  for (const char* name : {"MANIFEST", "LOCK", "wal", "blocks"})
    if (fs::exists(dir + "/" + name, ec)) return Status::ok();
  return invalid_argument(dir + ": not a weft data directory (no MANIFEST, LOCK, wal/ or blocks/)");
}

// The manifest as found: absent, read, or rejected.
struct ManifestState {
  bool present = false;
  Manifest manifest;
  std::string error;  // non-empty: present but rejected (or unreadable)

  bool same_as(const ManifestState& o) const {
    if (present != o.present || error != o.error) return false;
    const Manifest &a = manifest, &b = o.manifest;
    if (a.next_block_id != b.next_block_id || a.wal_flushed_through != b.wal_flushed_through ||
        a.blocks.size() != b.blocks.size())
      return false;
    for (size_t i = 0; i < a.blocks.size(); ++i)
      if (a.blocks[i].id != b.blocks[i].id) return false;
    return true;
  }
};

ManifestState load_manifest(const std::string& dir) {
  ManifestState m;
  Result<std::optional<Manifest>> r = read_manifest(dir);
  if (!r.is_ok()) {
    m.present = true;
    m.error = r.status().to_string();
  } else if (r->has_value()) {
    m.present = true;
    m.manifest = std::move(**r);
  }
  return m;
}

uint64_t size_of(const fs::path& p) {
  std::error_code ec;
  uint64_t n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// What blocks/ holds besides the live blocks, plus MANIFEST.tmp. `live` are the ids the
// manifest names; with `all_blocks_live` (the manifest is damaged, so which blocks are
// live is unknown) no block file counts as an orphan.
Result<std::vector<Leftover>> find_leftovers(const std::string& dir, const std::set<uint64_t>& live,
                                             bool all_blocks_live) {
  std::vector<Leftover> out;
  const std::string bdir = blocks_dir(dir);
  std::error_code ec;
  if (fs::exists(bdir, ec)) {
    for (const auto& entry : fs::directory_iterator(bdir, ec)) {
      const std::string name = entry.path().filename().string();
      uint64_t id = 0;
      Leftover l;
      if (parse_block_file_name(name, &id)) {
        if (all_blocks_live || live.contains(id)) continue;
        l.kind = Leftover::Kind::kOrphan;
      } else {
        l.kind = name.ends_with(".tmp") ? Leftover::Kind::kTemp : Leftover::Kind::kOther;
      }
      l.path = "blocks/" + name;
      l.bytes = size_of(entry.path());
      out.push_back(std::move(l));
    }
    if (ec) return io_error("listing " + bdir + ": " + ec.message());
  }
  const std::string mtmp = manifest_path(dir) + ".tmp";
  if (fs::exists(mtmp, ec))
    out.push_back({"MANIFEST.tmp", Leftover::Kind::kManifestTemp, size_of(mtmp)});
  std::sort(out.begin(), out.end(),
            [](const Leftover& a, const Leftover& b) { return a.path < b.path; });
  return out;
}

// Ids of every block file in blocks/ (for a damaged manifest).
std::vector<uint64_t> block_files_on_disk(const std::string& dir) {
  std::vector<uint64_t> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(blocks_dir(dir), ec)) {
    uint64_t id = 0;
    if (parse_block_file_name(entry.path().filename().string(), &id)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<std::vector<InspectedWalSegment>> find_wal(const std::string& dir, uint64_t flushed) {
  std::vector<InspectedWalSegment> out;
  const std::string wdir = wal_dir_of(dir);
  std::error_code ec;
  if (!fs::exists(wdir, ec)) return out;
  WEFT_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, list_segments(wdir));
  for (uint64_t seq : seqs)
    out.push_back({segment_file_name(seq), seq, size_of(segment_path(wdir, seq)), seq <= flushed});
  return out;
}

// "spans 10 != manifest 12; ..." for every field of the footer that differs from the
// manifest's entry; empty if they agree.
std::string meta_mismatch(const BlockMeta& manifest, const BlockMeta& footer) {
  std::string out;
  auto cmp = [&](const char* field, uint64_t m, uint64_t f) {
    if (m == f) return;
    if (!out.empty()) out += "; ";
    out += std::string("footer ") + field + " " + std::to_string(f) + " != manifest " +
           std::to_string(m);
  };
  cmp("id", manifest.id, footer.id);
  cmp("level", manifest.level, footer.level);
  cmp("min_start", manifest.min_start, footer.min_start);
  cmp("max_start", manifest.max_start, footer.max_start);
  cmp("max_end", manifest.max_end, footer.max_end);
  cmp("spans", manifest.spans, footer.spans);
  cmp("traces", manifest.traces, footer.traces);
  cmp("file_bytes (file size)", manifest.file_bytes, footer.file_bytes);
  return out;
}

// Opens one block. `entry` is the manifest's entry (nullopt: the manifest is damaged and
// the block is looked at on its own).
struct OpenedBlock {
  InspectedBlock info;
  std::shared_ptr<BlockReader> reader;  // null if it did not open
};

OpenedBlock open_block(const std::string& dir, uint64_t id, const std::optional<BlockMeta>& entry) {
  OpenedBlock out;
  InspectedBlock& b = out.info;
  b.file = block_file_name(id);
  b.meta.id = id;
  if (entry) b.meta = *entry;
  const std::string path = blocks_dir(dir) + "/" + b.file;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    b.error = "missing: the manifest names it, blocks/ has no such file";
    return out;
  }
  Result<std::shared_ptr<BlockReader>> r = BlockReader::open(path);
  if (!r.is_ok()) {
    b.error = r.status().to_string();
    return out;
  }
  out.reader = std::move(r).value();
  b.opened = true;
  b.meta = out.reader->meta();
  b.pages = out.reader->pages();
  b.split_traces = out.reader->split_traces().size();
  b.columns = out.reader->column_bytes();
  if (entry) b.error = meta_mismatch(*entry, b.meta);
  return out;
}

// The pid holding an flock on `path`, from /proc/locks (Linux); nullopt if none or unknown.
std::optional<int64_t> flock_holder(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  std::ifstream in("/proc/locks");
  std::string line;
  while (std::getline(in, line)) {
    // "1: FLOCK  ADVISORY  WRITE 13128 fe:00:10953505 0 EOF"; waiters have "->" after "1:".
    std::istringstream ls(line);
    std::string index, type, mode, access, dev;
    int64_t pid = 0;
    if (!(ls >> index >> type >> mode >> access >> pid >> dev) || type != "FLOCK") continue;
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (std::sscanf(dev.c_str(), "%x:%x:%llu", &maj, &min, &ino) != 3) continue;
    if (maj == major(st.st_dev) && min == minor(st.st_dev) && ino == st.st_ino && pid > 0)
      return pid;
  }
  return std::nullopt;
}

// True if every byte of `path` from `offset` on is zero (space a crash left unwritten).
bool zero_from(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1 << 16];
  bool zero = true;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      zero = zero && n == 0;
      break;
    }
    if (std::any_of(buf, buf + n, [](char c) { return c != 0; })) {
      zero = false;
      break;
    }
    offset += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return zero;
}

std::string count(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

const char* leftover_detail(Leftover::Kind kind) {
  switch (kind) {
    case Leftover::Kind::kTemp:
      return "temporary file of an interrupted block write";
    case Leftover::Kind::kOrphan:
      return "block file the manifest does not name (an interrupted flush or compaction)";
    case Leftover::Kind::kManifestTemp:
      return "temporary manifest of an interrupted manifest write";
    case Leftover::Kind::kOther:
      return "unknown file in blocks/";
  }
  return "";
}

// Checks one WAL segment: every record's CRC and payload.
VerifyCheck verify_segment(const std::string& dir, const InspectedWalSegment& seg, bool last,
                           VerifyReport* rep) {
  VerifyCheck c;
  c.item = "wal/" + seg.file;
  const std::string path = segment_path(wal_dir_of(dir), seg.seq);
  // Damage in a segment already in blocks loses nothing: the next open deletes it unread.
  const Severity damage = seg.flushed ? Severity::kWarning : Severity::kProblem;
  const std::string flushed_note =
      seg.flushed ? " (already in blocks: the next open deletes it unread)" : "";
  Result<WalSegmentReader> r = WalSegmentReader::open(path);
  if (!r.is_ok()) {
    if (last && is_torn_header(r.status())) {
      c.severity = Severity::kWarning;
      c.detail = "shorter than its header (a crash while creating it; the next open removes it)";
    } else {
      c.severity = damage;
      c.detail = r.status().to_string() + flushed_note;
    }
    return c;
  }
  uint64_t records = 0, spans = 0, bad_payloads = 0;
  std::string first_bad;
  wal::RecordType type = wal::RecordType::kZero;
  std::string_view payload;
  WalSegmentReader::Outcome o;
  while ((o = r->next(&type, &payload)) == WalSegmentReader::Outcome::kRecord) {
    const uint64_t end = r->good_offset();
    Result<SpanBatch> batch = decode_wal_payload(payload);
    if (!batch.is_ok()) {
      if (bad_payloads++ == 0)
        first_bad = "record ending at offset " + std::to_string(end) +
                    " does not decode: " + batch.status().message();
      continue;
    }
    ++records;
    spans += batch->spans.size();
  }
  rep->wal_records += records;
  rep->wal_spans += spans;
  c.detail = count(records, "record") + ", " + count(spans, "span") + ", " +
             std::to_string(seg.bytes) + " bytes";
  if (o == WalSegmentReader::Outcome::kTruncated ||
      (o == WalSegmentReader::Outcome::kCorrupt && zero_from(path, r->good_offset()))) {
    // A record the process died writing: never acknowledged under the per-request fsync.
    c.severity = last ? Severity::kWarning : damage;
    c.detail += "; torn tail after offset " + std::to_string(r->good_offset()) + " (" +
                r->problem() + ")" +
                (last ? ": a crash during a write; the next open cuts it" : flushed_note);
  } else if (o == WalSegmentReader::Outcome::kCorrupt) {
    c.severity = damage;
    c.detail += "; damaged after offset " + std::to_string(r->good_offset()) + " (" + r->problem() +
                "): the rest of the segment is lost" + flushed_note;
  }
  if (bad_payloads) {
    c.severity = std::max(c.severity, damage);
    c.detail += "; " + count(bad_payloads, "record") + " that do not decode, first: " + first_bad +
                flushed_note;
  }
  if (c.severity == Severity::kOk && seg.flushed)
    c.detail += "; already in blocks (the next open deletes it)";
  return c;
}

}  // namespace

const char* leftover_kind_name(Leftover::Kind kind) {
  switch (kind) {
    case Leftover::Kind::kTemp:
      return "temp";
    case Leftover::Kind::kOrphan:
      return "orphan";
    case Leftover::Kind::kManifestTemp:
      return "manifest-temp";
    case Leftover::Kind::kOther:
      return "other";
  }
  return "other";
}

bool DataDirReport::damaged() const {
  if (!manifest_error.empty()) return true;
  return std::any_of(blocks.begin(), blocks.end(),
                     [](const InspectedBlock& b) { return !b.error.empty(); });
}

uint64_t DataDirReport::total_spans() const {
  uint64_t n = 0;
  for (const auto& b : blocks) n += b.meta.spans;
  return n;
}
uint64_t DataDirReport::total_traces() const {
  uint64_t n = 0;
  for (const auto& b : blocks) n += b.meta.traces;
  return n;
}
uint64_t DataDirReport::total_block_bytes() const {
  uint64_t n = 0;
  for (const auto& b : blocks) n += b.meta.file_bytes;
  return n;
}
uint64_t DataDirReport::total_wal_bytes() const {
  uint64_t n = 0;
  for (const auto& s : wal) n += s.bytes;
  return n;
}

std::vector<BlockColumnBytes> DataDirReport::total_columns() const {
  std::vector<BlockColumnBytes> out;
  std::map<std::string, size_t> index;
  for (const auto& b : blocks) {
    for (const auto& c : b.columns) {
      auto [it, added] = index.try_emplace(c.column, out.size());
      if (added) out.push_back({c.column, 0, 0});
      out[it->second].compressed += c.compressed;
      out[it->second].uncompressed += c.uncompressed;
    }
  }
  return out;
}

Result<DataDirReport> inspect_data_dir(const std::string& dir) {
  WEFT_RETURN_IF_ERROR(check_data_dir(dir));
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    DataDirReport rep;
    rep.dir = dir;
    ManifestState m = load_manifest(dir);
    rep.has_manifest = m.present && m.error.empty();
    rep.manifest = m.manifest;
    rep.manifest_error = m.error;
    std::set<uint64_t> live;
    if (m.error.empty()) {
      for (const BlockMeta& e : m.manifest.blocks) {
        live.insert(e.id);
        rep.blocks.push_back(open_block(dir, e.id, e).info);
      }
    } else {
      for (uint64_t id : block_files_on_disk(dir))
        rep.blocks.push_back(open_block(dir, id, std::nullopt).info);
    }
    WEFT_ASSIGN_OR_RETURN(rep.leftovers, find_leftovers(dir, live, !m.error.empty()));
    WEFT_ASSIGN_OR_RETURN(rep.wal, find_wal(dir, m.manifest.wal_flushed_through));
    // A running store may have replaced the manifest (and deleted blocks it named) while we
    // read: start over, so the report is of one manifest.
    if (attempt < kAttempts && !m.same_as(load_manifest(dir))) continue;
    rep.lock_holder_pid = flock_holder(lock_path_of(dir));
    return rep;
  }
}

size_t VerifyReport::problems() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const VerifyCheck& c) {
    return c.severity == Severity::kProblem;
  }));
}

size_t VerifyReport::warnings() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const VerifyCheck& c) {
    return c.severity == Severity::kWarning;
  }));
}

Result<VerifyReport> verify_data_dir(const std::string& dir,
                                     const std::function<void(VerifyReport&)>& more) {
  WEFT_RETURN_IF_ERROR(check_data_dir(dir));
  // Held to the end: no store may open the directory (and delete or add files) meanwhile.
  WEFT_ASSIGN_OR_RETURN(std::unique_ptr<LockFile> lock, LockFile::acquire(lock_path_of(dir)));
  VerifyReport rep;
  auto add = [&](Severity s, std::string item, std::string detail) {
    rep.checks.push_back({s, std::move(item), std::move(detail)});
  };

  ManifestState m = load_manifest(dir);
  if (!m.error.empty()) {
    add(Severity::kProblem, "MANIFEST",
        m.error + " (the store refuses to open; every block file is checked on its own)");
  } else if (!m.present) {
    add(Severity::kOk, "MANIFEST", "none (no block has been written yet)");
  } else {
    const Manifest& mm = m.manifest;
    add(Severity::kOk, "MANIFEST",
        "format version " + std::to_string(kManifestVersion) + ", next block id " +
            std::to_string(mm.next_block_id) + ", wal_flushed_through " +
            std::to_string(mm.wal_flushed_through) + ", " + count(mm.blocks.size(), "live block"));
  }

  std::vector<std::pair<uint64_t, std::optional<BlockMeta>>> to_check;
  std::set<uint64_t> live;
  if (m.error.empty()) {
    for (const BlockMeta& e : m.manifest.blocks) {
      to_check.emplace_back(e.id, e);
      live.insert(e.id);
    }
  } else {
    for (uint64_t id : block_files_on_disk(dir)) to_check.emplace_back(id, std::nullopt);
  }
  for (const auto& [id, entry] : to_check) {
    OpenedBlock b = open_block(dir, id, entry);
    const std::string item = "blocks/" + b.info.file;
    ++rep.blocks;
    rep.block_spans += b.info.meta.spans;
    if (!b.reader) {
      add(Severity::kProblem, item, b.info.error);
      continue;
    }
    if (Status s = b.reader->verify(); !s.is_ok()) {
      add(Severity::kProblem, item, s.to_string());
      continue;
    }
    if (!b.info.error.empty()) {
      add(Severity::kProblem, item, "does not match the manifest: " + b.info.error);
      continue;
    }
    const BlockMeta& bm = b.info.meta;
    add(Severity::kOk, item,
        "level " + std::to_string(bm.level) + ", " + count(bm.spans, "span") + ", " +
            count(bm.traces, "trace") + ", " + count(b.info.pages, "page") + ", " +
            std::to_string(bm.file_bytes) + " bytes" +
            (entry ? ", matches the manifest" : " (not checked against the damaged manifest)"));
  }

  Result<std::vector<InspectedWalSegment>> wal = find_wal(dir, m.manifest.wal_flushed_through);
  if (!wal.is_ok()) {
    add(Severity::kProblem, "wal/", wal.status().to_string());
  } else {
    for (size_t i = 0; i < wal->size(); ++i) {
      rep.checks.push_back(verify_segment(dir, (*wal)[i], i + 1 == wal->size(), &rep));
      ++rep.wal_segments;
    }
  }

  Result<std::vector<Leftover>> leftovers = find_leftovers(dir, live, !m.error.empty());
  if (!leftovers.is_ok()) {
    add(Severity::kProblem, "blocks/", leftovers.status().to_string());
  } else {
    for (const Leftover& l : *leftovers)
      add(Severity::kWarning, l.path,
          std::string(leftover_detail(l.kind)) + ", " + std::to_string(l.bytes) +
              " bytes; the next open deletes it");
  }
  if (more) more(rep);
  return rep;
}

}  // namespace weft::store
