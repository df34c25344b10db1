#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/config/config.h"
#include "core/config/config_parser.h"

namespace fullerene::core {

std::string DestinationSpec::StatName() const {
  std::string name = absl::StrCat(server, ":", port, ":", instance.has_value() ? *instance : "None");
  return absl::StrReplaceAll(name, {{".", "_"}});
}

std::string DestinationSpec::NodeRepr() const {
  return absl::StrCat("(", python::Repr(server), ", ",
                      instance.has_value() ? python::Repr(*instance) : "None", ")");
}

}  // namespace fullerene::core
