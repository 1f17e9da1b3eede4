#pragma once
// The order of RpcIds as text ("0.2.13"), without parsing them into vectors: component by
// component as numbers, a prefix before its extensions (0.1 < 0.1.1 < 0.1.2 < 0.2 < 0.10).
// For the query side (span order of log-built traces, clock skew, gap lists); the log
// ingest parses RpcIds strictly itself (ingest/logline/rpc_id.h).
#include <cstdint>
#include <string_view>

namespace weft::model {

// <0, 0 or >0 as a is before, equal to or after b. Leading zeros do not count ("0.02" ==
// "0.2"); a component that is not digits compares by its text after the numeric ones.
int compare_rpc_ids(std::string_view a, std::string_view b);

// Splits "0.2.13" into its parent prefix "0.2" and last call number 13. False for a
// single component ("0": no parent), an empty text, or a last component that is not a
// number of at most 9 digits.
bool split_rpc_id(std::string_view id, std::string_view* parent, uint32_t* last);

}  // namespace weft::model
