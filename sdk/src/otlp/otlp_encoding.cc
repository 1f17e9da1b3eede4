#include "weft/otlp_encoding.h"

#include "otlp/encode.h"

namespace weft {

void EncodeOtlpExportRequest(const ExportBatch& batch, std::string* out) {
  otlp::EncodeExportRequest(batch, out);
}

}  // namespace weft
