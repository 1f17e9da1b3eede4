// The SDK's and the model's types side by side in one translation unit and one program.
// Each Resource::service_name() must answer by its own definition: the model's falls back
// to "unknown_service", the SDK's reads its own attribute list. Were the two ever the same
// symbol again, the linker would keep one and one of these expectations would fail (or the
// program would not link at all).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "common/ids.h"
#include "common/status.h"
#include "model/span.h"
#include "weft/weft.h"

namespace {

TEST(OneBinary, SdkAndModelTypesAreDistinct) {
  static_assert(!std::is_same_v<weft::Span, weft::model::Span>);
  static_assert(!std::is_same_v<weft::Resource, weft::model::Resource>);
  static_assert(!std::is_same_v<weft::InstrumentationScope, weft::model::InstrumentationScope>);
  static_assert(!std::is_same_v<weft::TraceId, weft::model::TraceId>);
  static_assert(!std::is_same_v<weft::SpanId, weft::model::SpanId>);
  static_assert(!std::is_same_v<weft::Bytes, weft::model::Bytes>);
  static_assert(!std::is_same_v<weft::SpanKind, weft::model::SpanKind>);
  static_assert(!std::is_same_v<weft::StatusCode, weft::ResultCode>);
  SUCCEED();
}

TEST(OneBinary, EachResourceAnswersByItsOwnDefinition) {
  weft::model::Resource model_resource;  // no service.name: OTel's fallback
  EXPECT_EQ(model_resource.service_name(), "unknown_service");
  model_resource.attributes.push_back({"service.name", weft::model::AnyValue("checkout")});
  EXPECT_EQ(model_resource.service_name(), "checkout");

  weft::Resource sdk_resource;
  sdk_resource.attributes.push_back({"service.name", "payments"});
  EXPECT_EQ(sdk_resource.service_name(), "payments");
}

TEST(OneBinary, IdsConvertThroughTheirBytes) {
  weft::TraceId sdk_id;
  ASSERT_TRUE(weft::TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736", &sdk_id));
  const auto model_id = weft::model::TraceId::from_bytes(
      std::string_view(reinterpret_cast<const char*>(sdk_id.bytes.data()), sdk_id.bytes.size()));
  ASSERT_TRUE(model_id.has_value());
  EXPECT_EQ(model_id->to_hex(), sdk_id.hex());
}

}  // namespace
