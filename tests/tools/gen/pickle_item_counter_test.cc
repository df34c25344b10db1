#include "tools/gen/pickle_item_counter.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_encoder.h"
#include "core/memory/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tools/gen/workload.h"

namespace fullerene::gen {
namespace {

// What the real decoder says about a payload: the reference the counter must match.
PickleCount DecoderCount(absl::string_view payload) {
  PickleCount count;
  struct Tally {
    PickleCount* count;
    void OnMetric(const core::MetricView&) { ++count->datapoints; }
    void OnBadItem(codec::PickleItemError) { ++count->bad_items; }
  } tally{&count};
  codec::PickleDecoder decoder;
  count.frame_ok = decoder.Decode(payload, tally) == codec::PickleFrameStatus::kOk;
  return count;
}

// Counter and decoder agree on `payload`; when the fast path claims the frame, the decoder
// found a good frame of exactly that many datapoints. Returns whether the fast path did.
bool ExpectAgrees(PickleItemCounter& counter, absl::string_view payload, const std::string& what) {
  const PickleCount want = DecoderCount(payload);
  const PickleCount got = counter.Count(payload);
  EXPECT_EQ(got.datapoints, want.datapoints) << what;
  EXPECT_EQ(got.bad_items, want.bad_items) << what;
  EXPECT_EQ(got.frame_ok, want.frame_ok) << what;
  uint64_t fast = 0;
  const bool claimed = counter.CountFastForTest(payload, &fast);
  if (claimed) {
    EXPECT_TRUE(want.frame_ok) << what;
    EXPECT_EQ(want.bad_items, 0u) << what;
    EXPECT_EQ(fast, want.datapoints) << what;
  }
  return claimed;
}

// One of our frames (what fullerene and the generator send), without its length prefix.
std::string OurPayload(uint64_t items, uint64_t seed = 1) {
  const Workload workload({.names = 1000, .depth = 5, .seed = seed});
  core::ByteBuffer out;
  codec::PickleBatchWriter writer;
  writer.Begin(&out);
  for (uint64_t j = 0; j < items; ++j) {
    const core::MetricView m = workload.At(j);
    writer.Add("", m.name, m.timestamp, m.value);
  }
  writer.Finish();
  return std::string(out.view().substr(4));
}

TEST(PickleItemCounterTest, OurFramesTakeTheFastPath) {
  PickleItemCounter counter;
  // Around the one-item APPEND form, BINPUT's 255 limit (85 items x 3 memo slots) and
  // CPython's 1000-item APPENDS chunks.
  for (const uint64_t items : {0, 1, 2, 3, 84, 85, 86, 255, 256, 999, 1000, 1001, 2500}) {
    const std::string payload = OurPayload(items);
    uint64_t fast = 0;
    ASSERT_TRUE(counter.CountFastForTest(payload, &fast)) << items;
    EXPECT_EQ(fast, items);
    ExpectAgrees(counter, payload, absl::StrCat(items, " items"));
  }
  EXPECT_EQ(counter.fallbacks(), 0u);
}

TEST(PickleItemCounterTest, HandMadeEdgeCases) {
  PickleItemCounter counter;
  const std::string proto = "\x80\x02";
  const std::string name = std::string("X\x01\x00\x00\x00", 5) + "a";  // BINUNICODE 'a'
  const std::string zero = "G" + std::string(8, '\0');                 // BINFLOAT 0.0
  const std::string ints = "K\x01K\x02";                               // BININT1 1, 2
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty payload", ""},
      {"only PROTO", proto},
      {"empty list", proto + "]q" + std::string(1, '\0') + "."},
      {"empty APPENDS run", proto + "](e."},
      {"APPENDS without MARK", proto + "]e."},
      {"STOP inside a MARK", proto + "](."},
      {"BINGET of a slot never put", proto + "]h\x05."},
      {"BINPUT past the payload", proto + "]q\x7f."},
      {"PROTO 6", "\x80\x06]."},
      {"one datapoint by APPEND", proto + "]" + name + zero + zero + "\x86\x86" + "a."},
      {"TUPLE of two from a MARK", proto + "](" + name + ints + "\x86" + "t" + "a."},
      {"APPEND to a tuple", proto + ")" + name + zero + zero + "\x86\x86" + "a."},
      {"datapoint as the root", proto + name + zero + zero + "\x86\x86."},
      {"TUPLE2 across a MARK", proto + "]" + name + "(" + ints + "\x86\x86" + "a."},
      {"LONG1 of 9 bytes",
       proto + "]" + name + "K\x01\x8a\x09" + std::string(9, '\x01') + "\x86\x86" + "a."},
      {"truncated BINFLOAT", proto + "]" + name + "G" + std::string(2, '\0')},
  };
  for (const auto& [what, payload] : cases) {
    ExpectAgrees(counter, payload, what);
  }
  uint64_t fast = 0;
  EXPECT_TRUE(counter.CountFastForTest(cases[2].second, &fast));
  EXPECT_EQ(fast, 0u);
  EXPECT_TRUE(counter.CountFastForTest(cases[9].second, &fast));
  EXPECT_EQ(fast, 1u);
  EXPECT_TRUE(counter.CountFastForTest(cases[10].second, &fast));
  EXPECT_EQ(fast, 1u);
}

TEST(PickleItemCounterTest, CorruptedFramesAgreeWithTheDecoder) {
  std::mt19937_64 random(20240611);
  // BINUNICODE, SHORT_BINUNICODE, BINFLOAT, BININT, BININT1, BININT2, BINPUT, LONG_BINPUT,
  // BINGET, LONG_BINGET, TUPLE2, TUPLE, MARK, APPEND, APPENDS, STOP, PROTO, EMPTY_LIST, LONG1.
  const std::string kOpcodes = "X\x8cGJKMqrhj\x86t(ae.\x80]\x8a";
  PickleItemCounter counter;
  const std::vector<std::string> bases = {OurPayload(1), OurPayload(3), OurPayload(90, 2),
                                          OurPayload(300, 3)};
  int claimed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string payload = bases[random() % bases.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !payload.empty(); ++e) {
      const size_t at = random() % payload.size();
      switch (random() % 5) {
        case 0:  // overwrite a byte with anything
          payload[at] = static_cast<char>(random());
          break;
        case 1:  // overwrite a byte with an opcode the counter knows
          payload[at] = kOpcodes[random() % kOpcodes.size()];
          break;
        case 2:  // truncate
          payload.resize(at);
          break;
        case 3:  // delete a range
          payload.erase(at, random() % 40);
          break;
        default:  // repeat a range (duplicated items, memo puts, marks)
          payload.insert(at, payload.substr(random() % payload.size(), random() % 60));
          break;
      }
    }
    claimed += ExpectAgrees(counter, payload, absl::StrCat("round ", round)) ? 1 : 0;
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
  // Many mutants are still good frames (a changed float, a repeated item), and the fast path
  // must have seen its share of them, or this test proves nothing about it.
  EXPECT_GT(claimed, 1000);
}

TEST(PickleItemCounterTest, CPythonFramesAgreeWithTheDecoder) {
  const char* const kPython = "/usr/bin/python3";
  if (access(kPython, X_OK) != 0) {
    GTEST_SKIP() << kPython << " is not installed";
  }
  testing::TempDir dir;
  const std::string path = dir.Join("frames.bin");
  // Each frame as carbon-relay and carbon clients would send it, plus the odd shapes a
  // receiver must still count right. The ones marked fast must not need the decoder.
  const std::string script = absl::StrCat(
      "import pickle, struct, sys\n"
      "names = ['dc1.rack%02d.host%03d.cpu.user' % (i % 40, i) for i in range(600)]\n"
      "pair = (1700000000.0, 1.5)\n"
      "point = ('a.b', pair)\n"
      "frames = [\n"
      "  (1, 2, [(n, (1700000000.0, float(i))) for i, n in enumerate(names)]),\n"
      "  (1, 2, [(names[i % 7], (1700000000.0, 2.0)) for i in range(300)]),\n"
      "  (1, 2, [('a', pair), ('b', pair), point, point, point]),\n"
      "  (1, 2, [('ints', (1700000000, v)) for v in (0, 1, 255, 256, 65535, 65536, -1, 2**31,"
      " 2**40, -2**62)]),\n"
      "  (1, 2, [('one', (1.0, 2.0))]),\n"
      "  (1, 2, []),\n"
      "  (0, 2, [('big', (1.0, 2**70))]),\n"
      "  (0, 2, [('caf\\u00e9', (1.0, 2.0))]),\n"
      "  (0, 2, [('list.pair', [1.0, 2.0])]),\n"
      "  (0, 2, [('text.numbers', ('1.5', '2'))]),\n"
      "  (0, 2, [(b'bytes.name', (1.0, 2.0))]),\n"
      "  (0, 2, (('tuple.root', (1.0, 2.0)),)),\n"
      "  (0, 2, [('x', (1.0, 2.0)), [('nested', (1.0, 2.0))]]),\n"
      "  (0, 2, [('bad', (1.0,))]),\n"
      "  (0, 2, {'a': 1}),\n"
      "  (0, 0, [(n, (1.0, 2.0)) for n in names[:50]]),\n"
      "  (0, 1, [(n, (1.0, 2.0)) for n in names[:50]]),\n"
      "  (0, 3, [(n, (1.0, 2.0)) for n in names[:50]]),\n"
      "  (0, 4, [(n, (1.0, 2.0)) for n in names[:50]]),\n"
      "  (0, 5, [(n, (1.0, 2.0)) for n in names[:50]]),\n"
      "]\n"
      "with open(sys.argv[1], 'wb') as out:\n"
      "  for fast, protocol, obj in frames:\n"
      "    p = pickle.dumps(obj, protocol=protocol)\n"
      "    out.write(struct.pack('!BI', fast, len(p)) + p)\n");
  const std::string script_path = dir.Write("make_frames.py", script);
  ASSERT_EQ(std::system(absl::StrCat(kPython, " ", script_path, " ", path).c_str()), 0);
  const std::string data = testing::ReadFileOrEmpty(path);
  ASSERT_FALSE(data.empty());
  PickleItemCounter counter;
  absl::string_view rest = data;
  int frame = 0;
  while (!rest.empty()) {
    ASSERT_GE(rest.size(), 5u);
    const bool want_fast = rest[0] != 0;
    const auto* u = reinterpret_cast<const unsigned char*>(rest.data() + 1);
    const size_t n = (size_t{u[0]} << 24) | (size_t{u[1]} << 16) | (size_t{u[2]} << 8) | u[3];
    ASSERT_GE(rest.size(), 5 + n);
    const absl::string_view payload = rest.substr(5, n);
    const bool fast = ExpectAgrees(counter, payload, absl::StrCat("frame ", frame));
    if (want_fast) {
      EXPECT_TRUE(fast) << "frame " << frame << " should not need the decoder";
    }
    rest.remove_prefix(5 + n);
    ++frame;
  }
  EXPECT_EQ(frame, 20);
}

}  // namespace
}  // namespace fullerene::gen
