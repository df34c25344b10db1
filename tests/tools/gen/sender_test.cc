#include "tools/gen/sender.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "codec/line/line_decoder.h"
#include "codec/pickle/pickle_decoder.h"
#include "codec/pickle/pickle_frame_reader.h"
#include "gtest/gtest.h"
#include "tools/gen/workload.h"

namespace fullerene::gen {
namespace {

// A plain blocking receiver on a free loopback port: accepts `connections` connections and
// decodes everything each one sends until it closes, one thread per connection.
class Receiver {
 public:
  Receiver(Protocol protocol, int connections) : protocol_(protocol), streams_(connections) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listener_, 64), 0);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (auto& stream : streams_) {
        const int fd = accept(listener_, nullptr, nullptr);
        readers_.emplace_back([this, fd, &stream] { Read(fd, stream); });
      }
    });
  }
  ~Receiver() { close(listener_); }

  int port() const { return port_; }

  // Every connection's datapoints, in the order they arrived on it.
  std::vector<std::vector<core::MetricView>> Join() {
    acceptor_.join();
    for (std::thread& reader : readers_) {
      reader.join();
    }
    std::vector<std::vector<core::MetricView>> result;
    for (const Stream& stream : streams_) {
      result.push_back(stream.points);
    }
    return result;
  }

 private:
  struct Stream {
    std::vector<std::string> names;  // owns what points[i].name views
    std::vector<core::MetricView> points;
  };
  struct Collector {
    Stream* stream;
    void OnMetric(const core::MetricView& m) {
      stream->names.emplace_back(m.name);
      stream->points.push_back(m);
    }
    void OnBadLine(codec::LineStatus, absl::string_view line) { ADD_FAILURE() << line; }
    void OnBadItem(codec::PickleItemError) { ADD_FAILURE() << "bad pickle item"; }
    void OnFrame(absl::string_view payload) {
      EXPECT_EQ(decoder.Decode(payload, *this), codec::PickleFrameStatus::kOk);
    }
    codec::PickleDecoder decoder;
  };

  void Read(int fd, Stream& stream) {
    Collector collector{&stream};
    codec::LineStreamDecoder lines;
    codec::PickleFrameReader frames(64 << 20);
    std::string buffer(1 << 16, '\0');
    for (;;) {
      const ssize_t n = read(fd, buffer.data(), buffer.size());
      if (n <= 0) {
        break;
      }
      const absl::string_view bytes(buffer.data(), static_cast<size_t>(n));
      const bool ok = protocol_ == Protocol::kLine ? lines.Feed(bytes, collector)
                                                   : frames.Feed(bytes, collector);
      EXPECT_TRUE(ok);
    }
    EXPECT_EQ(lines.buffered() + frames.buffered(), 0u) << "a partial line or frame at EOF";
    close(fd);
    // The views point into names that may have moved while the vector grew: repoint them.
    for (size_t i = 0; i < stream.points.size(); ++i) {
      stream.points[i].name = stream.names[i];
    }
  }

  const Protocol protocol_;
  int listener_ = -1;
  int port_ = 0;
  std::vector<Stream> streams_;
  std::thread acceptor_;
  std::vector<std::thread> readers_;
};

bool Same(const core::MetricView& a, const core::MetricView& b) {
  return a.name == b.name && a.timestamp == b.timestamp && a.value == b.value;
}

// Each connection must carry consecutive datapoints of the workload's sequence, wrapping
// around the pre-encoded stream of `period` datapoints, and all of them the requested count.
void ExpectExactSequences(const std::vector<std::vector<core::MetricView>>& streams,
                          const Workload& workload, uint64_t period, uint64_t count) {
  uint64_t total = 0;
  for (const auto& points : streams) {
    total += points.size();
    if (points.empty()) {
      continue;
    }
    uint64_t start = 0;
    while (start < period && !Same(workload.At(start), points[0])) {
      ++start;
    }
    ASSERT_LT(start, period) << "the first datapoint is not in the stream";
    for (uint64_t k = 0; k < points.size(); ++k) {
      ASSERT_TRUE(Same(workload.At((start + k) % period), points[k]))
          << "datapoint " << k << " of a connection starting at " << start;
    }
  }
  EXPECT_EQ(total, count);
}

TEST(SenderTest, LineCountIsExactAcrossLapsOfTheStream) {
  SendOptions options;
  options.protocol = Protocol::kLine;
  options.connections = 3;
  options.count = 250001;  // 2.5 laps of the 100,000-datapoint stream, split unevenly
  options.workload = {.names = 1000, .depth = 5, .seed = 4};
  Receiver receiver(options.protocol, options.connections);
  options.port = receiver.port();
  ProgressLine quiet(false);
  const absl::StatusOr<SendReport> report = RunSender(options, quiet);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->complete());
  EXPECT_EQ(report->datapoints, 250001u);
  EXPECT_EQ(report->errors, 0u);
  ExpectExactSequences(receiver.Join(), Workload(options.workload), 100000, 250001);
}

TEST(SenderTest, PickleCountEndsWithPartialFrames) {
  SendOptions options;
  options.protocol = Protocol::kPickle;
  options.connections = 4;
  options.batch = 300;
  options.count = 100037;  // 25,010 or 25,009 per connection: each ends with a short frame
  options.workload = {.names = 5000, .depth = 4, .seed = 8};
  Receiver receiver(options.protocol, options.connections);
  options.port = receiver.port();
  ProgressLine quiet(false);
  const absl::StatusOr<SendReport> report = RunSender(options, quiet);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->complete());
  // The stream is 100,000 datapoints rounded up to whole frames of 300.
  ExpectExactSequences(receiver.Join(), Workload(options.workload), 100200, 100037);
}

TEST(SenderTest, MoreConnectionsThanDatapoints) {
  SendOptions options;
  options.protocol = Protocol::kPickle;
  options.connections = 5;
  options.count = 3;
  Receiver receiver(options.protocol, options.connections);
  options.port = receiver.port();
  ProgressLine quiet(false);
  const absl::StatusOr<SendReport> report = RunSender(options, quiet);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->datapoints, 3u);
  ExpectExactSequences(receiver.Join(), Workload(options.workload), 100000, 3);
}

TEST(SenderTest, RateCapsADurationRun) {
  SendOptions options;
  options.protocol = Protocol::kLine;
  options.connections = 2;
  options.duration = absl::Milliseconds(300);
  options.rate = 30000;
  Receiver receiver(options.protocol, options.connections);
  options.port = receiver.port();
  ProgressLine quiet(false);
  const absl::StatusOr<SendReport> report = RunSender(options, quiet);
  ASSERT_TRUE(report.ok()) << report.status();
  receiver.Join();
  // 9,000 at the rate, plus at most the two initial bursts of 10 ms (150 each). The lower
  // bound is loose: a loaded test machine may run the loop late, never early.
  EXPECT_LE(report->datapoints, 9300u);
  EXPECT_GE(report->datapoints, 4000u);
}

TEST(SenderTest, RefusedConnectionIsAnError) {
  // A bound socket that does not listen refuses connections: a port nobody serves.
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  SendOptions options;
  options.port = ntohs(address.sin_port);
  options.count = 10;
  ProgressLine quiet(false);
  const absl::StatusOr<SendReport> report = RunSender(options, quiet);
  close(fd);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("cannot connect"), absl::string_view::npos);
}

}  // namespace
}  // namespace fullerene::gen
