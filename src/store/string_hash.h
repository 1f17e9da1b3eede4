#pragma once
// StringHash: the hash of the store's string-keyed tables (block dictionaries, the head's
// interned strings). xxh3 instead of std::hash: the tables are looked up several times per
// span on ingest, flush and compaction, and xxh3 is about twice as fast on short strings.
// Transparent, so a std::string_view looks up a std::string key without a copy.
#include <xxhash.h>

#include <cstddef>
#include <string_view>

namespace weft::store {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return static_cast<size_t>(XXH3_64bits(s.data(), s.size()));
  }
};

}  // namespace weft::store
