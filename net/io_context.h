// File: io_context.h
//
// What a worker lends the objects it drives (destinations, connections) so they can submit
// requests without knowing the worker: its ring, its batch pool, and the list of file
// descriptors to close once the SQEs already prepared for them are submitted (closing at
// once could let a new socket reuse the number before the kernel saw a request meant for the
// old one).
//
// Worker-confined.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "net/batch.h"
#include "net/uring/ring.h"

namespace fullerene::net {

struct IoContext {
  Ring* ring = nullptr;
  BatchPool* pool = nullptr;
  std::vector<int>* pending_closes = nullptr;
  int worker = 0;

  // Shuts a socket down now (which also ends any multishot request on it) and closes it after
  // the next submit.
  void CloseSocket(int fd) const {
    shutdown(fd, SHUT_RDWR);
    pending_closes->push_back(fd);
  }
  void CloseFile(int fd) const { pending_closes->push_back(fd); }
};

}  // namespace fullerene::net
