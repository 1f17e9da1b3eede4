// make_seeds OUT_DIR: writes the fuzzers' seed corpora with the store's own writers, so no
// binary seed is kept in git and the seeds follow the formats when they change:
//   OUT_DIR/block/     block files (BlockWriter): one span; many small pages with raw
//                      (past-dictionary) values; one large trace
//   OUT_DIR/wal/       WAL segment files (WalSegmentWriter), a record payload
//                      (encode_wal_payload) and span codec bytes (encode_span_batch)
//   OUT_DIR/manifest/  MANIFEST files (write_manifest)
//   OUT_DIR/jaeger_thrift/  Jaeger Thrift inputs of jaeger_thrift_fuzz (first byte: 0 bare
//                      binary Batch, 1 compact emitBatch, 2 binary emitBatch), written with
//                      the wire tests' encoder (wire/jaeger_thrift_test_encoder.h)
// Deterministic: the same bytes on every run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "model/span.h"
#include "store/block/block_writer.h"
#include "store/manifest.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_file.h"
#include "store/wal/wal_writer.h"
#include "wire/jaeger_thrift_test_encoder.h"

namespace fs = std::filesystem;
using namespace weft;
using namespace weft::model;

namespace {

[[noreturn]] void die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "make_seeds: %s: %s\n", what.c_str(), s.to_string().c_str());
  std::exit(1);
}

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

template <size_t N>
FixedId<N> make_id(Rng& rng) {
  FixedId<N> id;
  for (auto& b : id.bytes) b = static_cast<uint8_t>(rng.next());
  if (id.is_zero()) id.bytes[0] = 1;
  return id;
}

const char* const kServices[] = {"frontend", "orders", "payments", "inventory", "mysql"};
const char* const kNames[] = {"GET /checkout", "POST /orders", "charge", "SELECT stock",
                              "publish order.created"};

std::vector<std::shared_ptr<const Resource>> make_resources() {
  std::vector<std::shared_ptr<const Resource>> out;
  for (const char* svc : kServices) {
    auto r = std::make_shared<Resource>();
    r->attributes.push_back({"service.name", svc});
    r->attributes.push_back({"host.name", "host-1"});
    r->attributes.push_back({"process.pid", int64_t{4242}});
    out.push_back(std::move(r));
  }
  return out;
}

// One trace of `spans` spans: a root and children, every attribute type, events, links,
// errors, RpcIds; `raw_values` gives each span a distinct value of one key.
Trace make_trace(Rng& rng, uint64_t t0, size_t spans, bool raw_values) {
  static const auto resources = make_resources();
  static const auto scope = [] {
    auto s = std::make_shared<InstrumentationScope>();
    s->name = "weft.seeds";
    s->version = "1.0";
    return std::shared_ptr<const InstrumentationScope>(s);
  }();
  Trace t;
  t.trace_id = make_id<16>(rng);
  for (size_t i = 0; i < spans; ++i) {
    Span s;
    s.trace_id = t.trace_id;
    s.span_id = make_id<8>(rng);
    if (i > 0) s.parent_span_id = t.spans[rng.below(i)].span_id;
    size_t svc = i == 0 ? 0 : 1 + rng.below(4);
    s.resource = resources[svc];
    s.scope = scope;
    s.name = kNames[svc];
    s.kind = i == 0 ? SpanKind::kServer : static_cast<SpanKind>(1 + rng.below(5));
    s.start_time_unix_nano = t0 + i * 1'000'000 + rng.below(1000);
    s.end_time_unix_nano = s.start_time_unix_nano + 100'000 + rng.below(50'000'000);
    s.flags = 0x01;
    s.attributes.push_back({"http.method", i % 2 ? "GET" : "POST"});
    s.attributes.push_back({"http.status_code", int64_t(i % 7 == 3 ? 500 : 200)});
    s.attributes.push_back({"ratio", 0.25 * static_cast<double>(i)});
    s.attributes.push_back({"cache.hit", i % 3 == 0});
    if (raw_values) s.attributes.push_back({"user.id", "user-" + std::to_string(rng.next())});
    if (i % 4 == 1) {
      s.attributes.push_back({"payload", Bytes{std::string("\x00\x01\xff", 3)}});
      s.attributes.push_back({"tags", ArrayValue{AnyValue("a"), AnyValue(int64_t{2})}});
      s.attributes.push_back({"nested", KeyValueList{{"k", "v"}}});
    }
    if (i % 5 == 2) {
      s.status.code = SpanStatusCode::kError;
      s.status.message = "timeout";
      SpanEvent ev;
      ev.time_unix_nano = s.start_time_unix_nano + 10;
      ev.name = "exception";
      ev.attributes.push_back({"exception.type", "Timeout"});
      s.events.push_back(std::move(ev));
    } else if (i % 5 == 4) {
      s.status.code = SpanStatusCode::kOk;
    }
    if (i % 6 == 5) {
      SpanLink l;
      l.trace_id = make_id<16>(rng);
      l.span_id = make_id<8>(rng);
      l.trace_state = "k=v";
      s.links.push_back(std::move(l));
    }
    if (i == 0)
      s.rpc_id = "0";
    else if (i < 4)
      s.rpc_id = "0." + std::to_string(i);
    s.dropped_attributes_count = static_cast<uint32_t>(i % 2);
    t.spans.push_back(std::move(s));
  }
  return t;
}

std::vector<Trace> make_traces(uint64_t seed, size_t count, size_t min_spans, size_t max_spans,
                               bool raw_values) {
  Rng rng{seed};
  std::vector<Trace> out;
  const uint64_t t0 = 1'714'564'800'000'000'000ull;  // 2024-05-01T12:00:00Z
  for (size_t i = 0; i < count; ++i)
    out.push_back(make_trace(rng, t0 + i * 7'000'000'000ull,
                             min_spans + rng.below(max_spans - min_spans + 1), raw_values));
  // A block's order: ascending (trace start, trace ID).
  auto start = [](const Trace& t) {
    uint64_t s = UINT64_MAX;
    for (const Span& sp : t.spans) s = std::min(s, sp.start_time_unix_nano);
    return s;
  };
  std::sort(out.begin(), out.end(), [&](const Trace& a, const Trace& b) {
    return std::pair(start(a), a.trace_id) < std::pair(start(b), b.trace_id);
  });
  return out;
}

store::BlockMeta write_block(const std::string& path, const store::BlockWriterOptions& o,
                             const std::vector<Trace>& traces) {
  auto w = store::BlockWriter::create(path, o);
  if (!w.is_ok()) die("creating " + path, w.status());
  for (const Trace& t : traces)
    if (Status s = (*w)->add_trace(t); !s.is_ok()) die("adding a trace to " + path, s);
  auto meta = (*w)->finish();
  if (!meta.is_ok()) die("finishing " + path, meta.status());
  return *meta;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SpanBatch batch_of(const std::vector<Trace>& traces) {
  SpanBatch b;
  for (const Trace& t : traces)
    for (const Span& s : t.spans) b.spans.push_back(s);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  for (const char* d : {"block", "wal", "manifest"}) fs::create_directories(out + "/" + d);

  // Blocks.
  std::vector<store::BlockMeta> metas;
  {
    store::BlockWriterOptions o;
    o.id = 1;
    metas.push_back(write_block(out + "/block/one-span.blk", o, make_traces(1, 1, 1, 1, false)));
  }
  {
    store::BlockWriterOptions o;
    o.id = 2;
    o.page_spans = 16;
    o.max_dict_values_per_key = 4;
    metas.push_back(write_block(out + "/block/small-pages.blk", o, make_traces(2, 40, 2, 9, true)));
  }
  {
    store::BlockWriterOptions o;
    o.id = 7;
    o.level = 1;
    o.zstd_level = 1;
    metas.push_back(write_block(out + "/block/big-trace.blk", o, make_traces(3, 3, 1, 200, false)));
  }

  // WAL: a segment of three records, one whose last record is cut short, a payload, codec
  // bytes.
  {
    std::vector<std::string> payloads;
    for (uint64_t seed : {11, 12, 13})
      payloads.push_back(
          store::encode_wal_payload(batch_of(make_traces(seed, 3, 1, 6, seed == 12))));
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    const std::string seg = out + "/wal/000001.wal";
    auto w = store::WalSegmentWriter::create(store::open_posix_wal_file, seg, 1);
    if (!w.is_ok()) die("creating " + seg, w.status());
    if (Status s = (*w)->append(views); !s.is_ok()) die("appending to " + seg, s);
    if (Status s = (*w)->close(); !s.is_ok()) die("closing " + seg, s);
    std::string bytes = read_file(seg);
    write_file(out + "/wal/torn-tail.wal", bytes.substr(0, bytes.size() - 7));
    write_file(out + "/wal/payload.bin", payloads[0]);
    std::string codec;
    store::encode_span_batch(batch_of(make_traces(14, 2, 1, 5, true)), &codec);
    write_file(out + "/wal/codec.bin", codec);
  }

  // Manifests: empty and with the three blocks above.
  {
    const std::string tmp = out + "/manifest-tmp";
    fs::create_directories(tmp);
    store::Manifest m;
    if (Status s = store::write_manifest(tmp, m); !s.is_ok()) die("write_manifest", s);
    write_file(out + "/manifest/empty", read_file(store::manifest_path(tmp)));
    m.next_block_id = 8;
    m.wal_flushed_through = 5;
    m.blocks = metas;
    if (Status s = store::write_manifest(tmp, m); !s.is_ok()) die("write_manifest", s);
    write_file(out + "/manifest/three-blocks", read_file(store::manifest_path(tmp)));
    fs::remove_all(tmp);
  }
  // Jaeger Thrift: a batch using every field (typed tags, logs, references, process tags),
  // through each entry point, with and without unknown fields of every type.
  {
    namespace jt = weft::wire::jaeger_testing;
    fs::create_directories(out + "/jaeger_thrift");
    jt::JBatch b;
    b.process.service_name = "frontend";
    b.process.tags = std::vector<jt::JTag>{jt::str_tag("hostname", "h1"), jt::long_tag("pid", 7)};
    b.seq_no = 3;
    b.stats = true;
    jt::JSpan root;
    root.trace_id_high = 0x0102030405060708;
    root.trace_id_low = 0x090a0b0c0d0e0f10;
    root.span_id = 0x11;
    root.operation_name = "GET /";
    root.start_time = 1'700'000'000'000'000;
    root.duration = 250;
    root.tags = std::vector<jt::JTag>{jt::str_tag("span.kind", "server"),
                                      jt::bool_tag("error", true),
                                      jt::str_tag("otel.status_description", "boom"),
                                      jt::double_tag("ratio", 0.25),
                                      jt::long_tag("http.status_code", 500),
                                      jt::binary_tag("raw", std::string("\0\1", 2))};
    root.logs = std::vector<jt::JLog>{{1'700'000'000'000'010, {jt::str_tag("event", "retry")}}};
    jt::JSpan child = root;
    child.span_id = 0x12;
    child.parent_span_id = 0;
    child.references = std::vector<jt::JRef>{
        {1, 5, 6, 7}, {0, root.trace_id_low, root.trace_id_high, root.span_id}};
    child.tags = std::vector<jt::JTag>{jt::str_tag("span.kind", "client"),
                                       jt::str_tag("otel.status_code", "OK")};
    child.incomplete = false;
    b.spans = {root, child};
    auto seed = [&](const std::string& name, char entry, const std::string& bytes) {
      write_file(out + "/jaeger_thrift/" + name, std::string(1, entry) + bytes);
    };
    seed("batch", 0, jt::binary_batch(b));
    seed("batch-unknown-fields", 0, jt::binary_batch(b, true));
    seed("compact", 1, jt::compact_emit_batch(b));
    seed("compact-unknown-fields", 1, jt::compact_emit_batch(b, true));
    seed("binary-strict", 2, jt::binary_emit_batch(b, true));
    seed("binary-non-strict-unknown-fields", 2, jt::binary_emit_batch(b, false, true));
  }
  std::printf("seeds written to %s\n", out.c_str());
  return 0;
}
