#include "core/route/router.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/route/hashing_router.h"
#include "core/route/rules_router.h"

namespace fullerene::core {

absl::StatusOr<std::unique_ptr<Router>> Router::Create(const Config& config) {
  switch (config.relay_method) {
    case RelayMethod::kRules:
      return CreateRulesRouter(config);
    case RelayMethod::kConsistentHashing:
      return CreateConsistentHashingRouter(config);
    case RelayMethod::kFastHashing:
      return CreateFastHashingRouter(config);
    case RelayMethod::kAggregatedConsistentHashing:
    case RelayMethod::kFastAggregatedHashing:
      break;
  }
  // The loader refuses these already; this keeps a hand-built Config from routing them as
  // plain hashing, which would differ from carbon whenever an aggregation rule matches
  // (COMPAT §1.7).
  return absl::UnimplementedError(absl::StrCat(
      config.config_path.empty() ? "" : absl::StrCat(config.config_path, ": "), "RELAY_METHOD = ",
      config.relay_method == RelayMethod::kAggregatedConsistentHashing
          ? "aggregated-consistent-hashing"
          : "fast-aggregated-hashing",
      " is not supported yet"));
}

}  // namespace fullerene::core
