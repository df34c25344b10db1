#include "tools/gen/name_generator.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "absl/types/span.h"
#include "core/base/check.h"
#include "tools/gen/mix.h"

namespace fullerene::gen {
namespace {

// collectd/diamond-style plugin and measurement names: what a Graphite tree really holds.
constexpr const char* kPlugins[] = {
    "cpu",  "memory", "disk",     "network", "load",  "processes", "filesystem", "interface",
    "swap", "nginx",  "postgres", "redis",   "kafka", "jvm",       "uptime",     "entropy"};
constexpr const char* kMeasurements[] = {
    "user",       "system",      "idle",       "iowait",     "steal", "nice", "irq",    "softirq",
    "read_bytes", "write_bytes", "rx_packets", "tx_packets", "used",  "free", "cached", "buffered"};

struct Level {
  // A word level spells digit d as words[d % n], then d / n when that is not 0; a number
  // level as prefix + (d + 1), zero-padded to `width` (dc1, rack07, host123).
  absl::Span<const char* const> words;
  const char* prefix = "";
  int width = 0;
  uint64_t fanout = 0;
};

void AppendComponent(const Level& level, uint64_t digit, std::string* out) {
  char buf[32];
  if (!level.words.empty()) {
    const uint64_t n = level.words.size();
    out->append(level.words[digit % n]);
    if (digit >= n) {
      out->append(
          buf, std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(digit / n)));
    }
    return;
  }
  out->append(level.prefix);
  out->append(buf, std::snprintf(buf, sizeof(buf), "%0*llu", level.width,
                                 static_cast<unsigned long long>(digit + 1)));
}

// The levels of a name of `depth` components, top first, with their natural fan-outs.
std::vector<Level> LevelsFor(int depth) {
  const Level dc{{}, "dc", 1, 4};
  const Level rack{{}, "rack", 2, 40};
  const Level host{{}, "host", 3, 200};
  const Level group{{}, "grp", 2, 10};
  const Level plugin{kPlugins, "", 0, std::size(kPlugins)};
  const Level measurement{kMeasurements, "", 0, std::size(kMeasurements)};
  std::vector<Level> levels = {dc, rack, host};
  for (int i = 5; i < depth; ++i) {
    levels.push_back(group);
  }
  levels.push_back(plugin);
  levels.push_back(measurement);
  if (depth < 5) {
    levels.erase(levels.begin(), levels.begin() + (5 - depth));
  }
  return levels;
}

}  // namespace

NameGenerator::NameGenerator(uint64_t count, int depth, uint64_t seed) {
  FULLERENE_DCHECK(count >= 1 && count <= kMaxCount);
  FULLERENE_DCHECK(depth >= kMinDepth && depth <= kMaxDepth);
  std::vector<Level> levels = LevelsFor(depth);

  // The level that grows when the natural tree is too small: the hosts (third from the top
  // from depth 5 on, third from the bottom below that), or the top level of a name too
  // shallow to have hosts.
  const size_t grow = depth >= 5 ? 2 : (depth >= 3 ? static_cast<size_t>(depth - 3) : 0);
  uint64_t others = 1;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i != grow) {
      others *= levels[i].fanout;
    }
  }
  levels[grow].fanout = std::max(levels[grow].fanout, (count + others - 1) / others);
  const uint64_t m = others * levels[grow].fanout;

  // a must be coprime to m for i -> (a * i + b) mod m to be a bijection.
  uint64_t a = (Mix64(seed, 1, 0) % m) | 1;
  while (std::gcd(a, m) != 1) {
    a = a + 2 < m ? a + 2 : 1;
  }
  const uint64_t b = Mix64(seed, 2, 0) % m;

  ends_.reserve(count);
  text_.reserve(count * (depth * 8));
  std::vector<uint64_t> digits(levels.size());
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t index = static_cast<uint64_t>((static_cast<unsigned __int128>(a) * i + b) % m);
    for (size_t l = levels.size(); l-- > 0;) {
      digits[l] = index % levels[l].fanout;
      index /= levels[l].fanout;
    }
    const size_t begin = text_.size();
    for (size_t l = 0; l < levels.size(); ++l) {
      if (l != 0) {
        text_.push_back('.');
      }
      AppendComponent(levels[l], digits[l], &text_);
    }
    max_length_ = std::max(max_length_, text_.size() - begin);
    ends_.push_back(text_.size());
  }
}

}  // namespace fullerene::gen
