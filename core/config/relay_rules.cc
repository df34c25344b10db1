#include "core/config/relay_rules.h"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/base/status_macros.h"

namespace fullerene::core {
namespace {

constexpr absl::string_view kDestinations = "destinations";
constexpr absl::string_view kPattern = "pattern";
constexpr absl::string_view kDefault = "default";
constexpr absl::string_view kContinue = "continue";

// One destination as a rule names it, with the URL options it spelled out.
struct RuleDestination {
  DestinationSpec spec;
  std::optional<WireProtocol> protocol;  // set when the item says protocol=...
};

class RulesReader {
 public:
  RulesReader(const ConfigParser& parser, const std::vector<DestinationSpec>& destinations,
              std::vector<std::string>* warnings)
      : parser_(parser), destinations_(destinations), warnings_(warnings) {}

  absl::StatusOr<std::vector<RelayRule>> Run() {
    std::vector<RelayRule> rules;
    std::optional<RelayRule> default_rule;
    for (const ConfigParser::BracketLine& header : parser_.BracketLines()) {
      const std::string& section = header.name;
      if (!parser_.HasOption(section, kDestinations)) {
        return Error(header.line, absl::StrCat("Rules file ", path(), " section ", section,
                                               " does not define a 'destinations' list"));
      }
      FULLERENE_ASSIGN_OR_RETURN(std::vector<RuleDestination> named, ParseDestinations(section));
      RelayRule rule;
      rule.name = section;
      rule.file = path();
      rule.line = header.line;
      if (parser_.HasOption(section, kPattern)) {
        if (parser_.HasOption(section, kDefault)) {
          return Error(header.line, absl::StrCat("Section ", section,
                                                 " contains both 'pattern' and 'default'. You "
                                                 "must use one or the other."));
        }
        FULLERENE_ASSIGN_OR_RETURN(rule.pattern, parser_.Get(section, kPattern));
        if (parser_.HasOption(section, kContinue)) {
          FULLERENE_ASSIGN_OR_RETURN(rule.continue_matching,
                                     parser_.GetBoolean(section, kContinue));
        }
        FULLERENE_RETURN_IF_ERROR(MapDestinations(section, named, &rule));
        rules.push_back(std::move(rule));
        continue;
      }
      if (!parser_.HasOption(section, kDefault)) {
        continue;  // neither pattern nor default: carbon ignores the section
      }
      FULLERENE_ASSIGN_OR_RETURN(const bool is_default, parser_.GetBoolean(section, kDefault));
      if (!is_default) {
        continue;
      }
      if (default_rule.has_value()) {
        return Error(header.line, absl::StrCat("Only one default rule can be specified (sections ",
                                               default_rule->name, " on line ", default_rule->line,
                                               " and ", section, ")"));
      }
      rule.is_default = true;
      FULLERENE_RETURN_IF_ERROR(MapDestinations(section, named, &rule));
      default_rule = std::move(rule);
    }
    if (!default_rule.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path(),
          ": No default rule defined. You must specify exactly one rule with 'default = true' "
          "instead of a pattern."));
    }
    rules.push_back(*std::move(default_rule));
    return rules;
  }

 private:
  const std::string& path() const { return parser_.source(); }

  absl::Status Error(int line, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(path(), ":", line, ": ", what));
  }

  absl::StatusOr<std::vector<RuleDestination>> ParseDestinations(const std::string& section) {
    FULLERENE_ASSIGN_OR_RETURN(const std::string text, parser_.Get(section, kDestinations));
    const int line = parser_.OptionLine(section, kDestinations);
    std::vector<RuleDestination> named;
    for (absl::string_view item : absl::StrSplit(text, ',')) {
      // Parsing twice with different defaults tells whether the item chose its protocol.
      absl::StatusOr<DestinationSpec> as_pickle =
          ParseDestination(std::string(item), WireProtocol::kPickle);
      if (!as_pickle.ok()) {
        return Error(line, absl::StrCat("section ", section,
                                        ": destinations: ", as_pickle.status().message()));
      }
      absl::StatusOr<DestinationSpec> as_line =
          ParseDestination(std::string(item), WireProtocol::kLine);
      RuleDestination destination;
      if (as_line.ok() && as_line->protocol == as_pickle->protocol) {
        destination.protocol = as_pickle->protocol;
      }
      destination.spec = *std::move(as_pickle);
      named.push_back(std::move(destination));
    }
    return named;
  }

  absl::Status MapDestinations(const std::string& section,
                               const std::vector<RuleDestination>& named, RelayRule* rule) {
    const int line = parser_.OptionLine(section, kDestinations);
    for (const RuleDestination& destination : named) {
      const DestinationSpec& spec = destination.spec;
      const auto found = std::find_if(
          destinations_.begin(), destinations_.end(), [&spec](const DestinationSpec& d) {
            return d.server == spec.server && d.port == spec.port && d.instance == spec.instance;
          });
      if (found == destinations_.end()) {
        warnings_->push_back(absl::StrCat(
            path(), ":", line, ": rule ", section, " sends to ", spec.text,
            ", which is not in DESTINATIONS; carbon silently skips such a destination, and so "
            "does fullerene."));
        continue;
      }
      if (destination.protocol.has_value() && *destination.protocol != found->protocol) {
        return Error(line,
                     absl::StrCat("section ", section, ": destination ", spec.text,
                                  " asks for a different protocol than its DESTINATIONS "
                                  "entry ",
                                  found->text, "; set destination options in carbon.conf only"));
      }
      if (!spec.prefix.empty() && spec.prefix != found->prefix) {
        return Error(line,
                     absl::StrCat("section ", section, ": destination ", spec.text,
                                  " asks for a different prefix than its DESTINATIONS "
                                  "entry ",
                                  found->text, "; set destination options in carbon.conf only"));
      }
      const auto index = static_cast<uint32_t>(found - destinations_.begin());
      if (std::find(rule->destinations.begin(), rule->destinations.end(), index) ==
          rule->destinations.end()) {
        rule->destinations.push_back(index);
      }
    }
    return absl::OkStatus();
  }

  const ConfigParser& parser_;
  const std::vector<DestinationSpec>& destinations_;
  std::vector<std::string>* warnings_;
};

}  // namespace

absl::StatusOr<std::vector<RelayRule>> ParseRelayRules(
    const ConfigParser& parser, const std::vector<DestinationSpec>& destinations,
    std::vector<std::string>* warnings) {
  return RulesReader(parser, destinations, warnings).Run();
}

absl::StatusOr<std::vector<RelayRule>> ReadRelayRules(
    const std::string& path, const std::vector<DestinationSpec>& destinations,
    std::vector<std::string>* warnings) {
  // carbon's OrderedConfigParser.read checks os.access(path, os.R_OK) first.
  absl::StatusOr<ConfigParser> parser = access(path.c_str(), R_OK) == 0
                                            ? ConfigParser::ReadFile(path)
                                            : absl::NotFoundError("not readable");
  if (!parser.ok()) {
    if (parser.status().code() != absl::StatusCode::kNotFound) {
      return parser.status();
    }
    return absl::NotFoundError(absl::StrCat("Error: Missing config file or wrong perms on ", path));
  }
  return ParseRelayRules(*parser, destinations, warnings);
}

}  // namespace fullerene::core
