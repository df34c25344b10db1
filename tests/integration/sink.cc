#include "tests/integration/sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "codec/pickle/pickle_decoder.h"
#include "core/base/metric_view.h"

namespace fullerene::testing {
namespace {

int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 128) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct Collector {
  std::vector<Received>* out;
  void OnMetric(const core::MetricView& m) {
    out->push_back(Received{std::string(m.name), m.timestamp, m.value});
  }
  void OnBadItem(codec::PickleItemError) {}
};

}  // namespace

Sink::Sink(Protocol protocol, int port) : protocol_(protocol), port_(port) {
  Start();
}

Sink::~Sink() { Stop(); }

void Sink::Start() {
  int fd = -1;
  // The port may linger briefly after Stop(); retry for a while.
  for (int attempt = 0; attempt < 200 && fd < 0; ++attempt) {
    fd = Listen(port_);
    if (fd < 0) {
      absl::SleepFor(absl::Milliseconds(25));
    }
  }
  if (fd < 0) {
    std::abort();
  }
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  listen_fd_.store(fd);
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
}

void Sink::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  stop_.store(true);
  thread_.join();
}

void Sink::Run() {
  struct Connection {
    int fd;
    std::string buffer;
  };
  std::vector<Connection> connections;
  const int listen_fd = listen_fd_.load();
  char chunk[65536];
  while (!stop_.load()) {
    std::vector<pollfd> fds;
    fds.push_back(pollfd{listen_fd, POLLIN, 0});
    for (const Connection& c : connections) {
      fds.push_back(pollfd{c.fd, static_cast<short>(paused_.load() ? 0 : POLLIN), 0});
    }
    if (poll(fds.data(), fds.size(), 20) <= 0) {
      continue;
    }
    if (fds[0].revents & POLLIN) {
      for (;;) {
        int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
          break;
        }
        connections.push_back(Connection{fd, {}});
        connections_.fetch_add(1);
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      Connection& c = connections[i - 1];
      ssize_t n = recv(c.fd, chunk, sizeof(chunk), 0);
      if (n > 0) {
        c.buffer.append(chunk, static_cast<size_t>(n));
        {
          absl::MutexLock lock(&mu_);
          raw_.append(chunk, static_cast<size_t>(n));
        }
        Consume(c.buffer, false);
      } else {
        Consume(c.buffer, true);
        close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
  }
  for (Connection& c : connections) {
    close(c.fd);
  }
  close(listen_fd);
  listen_fd_.store(-1);
}

void Sink::Consume(std::string& buffer, bool eof) {
  std::vector<Received> parsed;
  if (protocol_ == Protocol::kLine) {
    size_t start = 0;
    for (;;) {
      size_t newline = buffer.find('\n', start);
      if (newline == std::string::npos) {
        break;
      }
      std::string line = buffer.substr(start, newline - start);
      start = newline + 1;
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      double value = 0;
      double timestamp = 0;
      if (fields.size() != 3 || !absl::SimpleAtod(fields[1], &value) ||
          !absl::SimpleAtod(fields[2], &timestamp)) {
        errors_.fetch_add(1);
        continue;
      }
      parsed.push_back(Received{fields[0], timestamp, value});
    }
    buffer.erase(0, start);
  } else {
    codec::PickleDecoder decoder;
    size_t start = 0;
    while (buffer.size() - start >= 4) {
      uint32_t length;
      std::memcpy(&length, buffer.data() + start, 4);
      length = ntohl(length);
      if (buffer.size() - start - 4 < length) {
        break;
      }
      Collector collector{&parsed};
      if (decoder.Decode(absl::string_view(buffer.data() + start + 4, length), collector) !=
          codec::PickleFrameStatus::kOk) {
        errors_.fetch_add(1);
      }
      start += 4 + length;
    }
    buffer.erase(0, start);
  }
  if (eof && !buffer.empty()) {
    // A partial line or frame cut by the connection's end: a real carbon-cache drops it too.
    buffer.clear();
  }
  if (!parsed.empty()) {
    absl::MutexLock lock(&mu_);
    received_.insert(received_.end(), parsed.begin(), parsed.end());
  }
}

size_t Sink::Count() {
  absl::MutexLock lock(&mu_);
  return received_.size();
}

bool Sink::WaitForCount(size_t n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Count() >= n) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return Count() >= n;
}

std::vector<Received> Sink::Snapshot() {
  absl::MutexLock lock(&mu_);
  return received_;
}

std::string Sink::RawBytes() {
  absl::MutexLock lock(&mu_);
  return raw_;
}

}  // namespace fullerene::testing
