#include "net/socket_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace fullerene::net {

std::string SocketAddress::ToString() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return absl::StrCat(host, ":", ntohs(in->sin_port));
  }
  if (family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return absl::StrCat("[", host, "]:", ntohs(in6->sin6_port));
  }
  return "?";
}

absl::StatusOr<SocketAddress> ParseNumericAddress(absl::string_view host, int port) {
  SocketAddress address;
  std::string text(host);
  auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
  if (inet_pton(AF_INET, text.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    address.length = sizeof(sockaddr_in);
    return address;
  }
  if (inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    address.length = sizeof(sockaddr_in6);
    return address;
  }
  return absl::InvalidArgumentError(absl::StrCat("'", host, "' is not an IP address"));
}

absl::StatusOr<std::vector<SocketAddress>> ResolveAddress(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  std::vector<SocketAddress> addresses;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) {
      continue;
    }
    SocketAddress address;
    memcpy(&address.storage, ai->ai_addr, ai->ai_addrlen);
    address.length = ai->ai_addrlen;
    addresses.push_back(address);
  }
  freeaddrinfo(result);
  if (addresses.empty()) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": no addresses"));
  }
  return addresses;
}

absl::StatusOr<int> OpenListener(const core::ListenerSpec& spec, SocketKind kind) {
  absl::StatusOr<SocketAddress> address = ParseNumericAddress(spec.interface, spec.port);
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", spec.interface, ":",
                                                   spec.port, ": ", address.status().message()));
  }
  const int type = (kind == SocketKind::kStream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
  int fd = socket(address->family(), type, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket(): ", strerror(errno)));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // One socket per worker on the same port; the kernel spreads connections (and datagrams)
  // across them. carbon sets SO_REUSEPORT as well, so fullerene can share a port with it
  // during a migration.
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (kind == SocketKind::kDatagram) {
    // Bursts of datagrams arrive faster than one loop iteration; a larger receive buffer
    // turns what would be kernel drops into queueing. Best effort: capped by rmem_max.
    int rcvbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  if (bind(fd, address->get(), address->length) != 0) {
    int err = errno;
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on ", address->ToString(), ": ", strerror(err)));
  }
  // carbon's backlog is 50; an aggregation tier takes thousands of connections at once after
  // a network blip, so use the kernel's maximum (capped by net.core.somaxconn).
  if (kind == SocketKind::kStream && listen(fd, 4096) != 0) {
    int err = errno;
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("listen() on ", address->ToString(), ": ", strerror(err)));
  }
  return fd;
}

int LocalPort(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return -1;
  }
  if (storage.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  }
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  }
  return -1;
}

void ApplyKeepAlive(int fd, const core::Config& config) {
  if (!config.tcp_keepalive) {
    return;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &config.tcp_keepidle, sizeof(int));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &config.tcp_keepintvl, sizeof(int));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &config.tcp_keepcnt, sizeof(int));
}

std::string PeerName(int fd) {
  SocketAddress address;
  address.length = sizeof(address.storage);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address.storage), &address.length) != 0) {
    return "?";
  }
  return address.ToString();
}

}  // namespace fullerene::net
