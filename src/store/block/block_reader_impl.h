#pragma once
// BlockReaderImpl: the BlockReader over one open block file. Private to src/store/block
// (block_reader.cc: open, trace by ID, scan, dictionaries, verify; block_search.cc:
// search).
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/block/block_dictionary.h"
#include "store/block/block_footer.h"
#include "store/block/block_reader.h"
#include "store/block/page_decoder.h"

namespace weft::store::block {

using namespace weft::model;

class BlockReaderImpl final : public BlockReader {
 public:
  BlockReaderImpl(std::string path, int fd, Footer footer);
  ~BlockReaderImpl() override;

  const BlockMeta& meta() const override { return f_.meta; }
  const std::string& path() const override { return path_; }
  bool may_contain(const TraceId& id) const override;
  Result<bool> contains(const TraceId& id) const override {
    WEFT_ASSIGN_OR_RETURN(std::optional<uint32_t> page, page_of(id));
    return page.has_value();
  }
  Result<std::optional<Trace>> get_trace(const TraceId& id) const override;
  Status get_traces(std::span<const TraceId> ids,
                    const std::function<void(size_t, Trace&&)>& fn) const override;
  Status search(const TraceQuery& q, BlockSearchState* state) const override;
  bool may_match(const TraceQuery& q) const override;
  Status scan(const std::function<bool(Trace&&)>& fn) const override;
  Result<std::vector<Trace>> read_page_traces(uint32_t page) const override;
  std::vector<std::string> services() const override;
  std::vector<OperationInfo> operations(const std::string& service) const override;
  std::vector<std::string> attribute_keys() const override;
  std::vector<std::string> attribute_values(const std::string& key, size_t limit) const override;
  Status verify() const override;
  std::vector<BlockColumnBytes> column_bytes() const override;
  uint32_t pages() const override { return static_cast<uint32_t>(f_.pages.size()); }
  const std::vector<SplitTrace>& split_traces() const override { return f_.split_traces; }

  const Footer& footer() const { return f_; }

 private:
  Status load(uint32_t page, Column c, PageData* d) const {
    return load_column(fd_, path_, f_, f_.pages[page], page, c, d);
  }
  Status load_all(uint32_t page, PageData* d) const;
  // Chunk `c` of the trace-ID index, CRC checked.
  Result<std::string> read_id_chunk(uint32_t c) const;
  // The page holding trace `id` (bloom, then the index), or nullopt.
  Result<std::optional<uint32_t>> page_of(const TraceId& id) const;
  // The trace-ID index chunk whose range may hold `id`, or nullopt.
  std::optional<uint32_t> id_chunk_of(const TraceId& id) const;
  // The page chunk `c` (its bytes) names for `id`, or nullopt if it lists no such ID.
  Result<std::optional<uint32_t>> page_in_chunk(const std::string& bytes, uint32_t c,
                                                const TraceId& id) const;
  void build_trace(const PageData& d, uint32_t t, Trace* out) const;
  // Service code of a span's resource code (0: null resource -> "unknown_service").
  uint32_t service_of(uint32_t resource) const { return service_of_resource_[resource]; }
  const std::string& service_name(uint32_t code) const { return services_ext_[code]; }
  uint32_t find_service(std::string_view name) const;
  uint32_t find_span_name(std::string_view name) const;

  std::string path_;
  int fd_;
  Footer f_;
  uint64_t max_duration_ = 0;  // over all pages
  // The footer's services, plus "unknown_service" if it is not among them.
  std::vector<std::string> services_ext_;
  std::vector<uint32_t> service_of_resource_;  // by resource code (0 = null)
  StringCodeMap service_index_;
  StringCodeMap span_name_index_;
  // Attribute key -> its slots.
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>
      span_slots_by_key_;
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>
      event_slots_by_key_;
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>
      resources_by_key_;  // key -> resource codes carrying it
};

}  // namespace weft::store::block
