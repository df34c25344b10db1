#include "net/uring/buf_ring.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "gtest/gtest.h"
#include "net/uring/ring.h"
#include "net/uring/user_data.h"

namespace fullerene::net {
namespace {

// A multishot recv into the provided-buffer ring, on a real kernel: the data lands in a
// buffer the kernel picked, and a recycled buffer is used again.
TEST(ProvidedBufferRingTest, MultishotRecvFillsAndRecyclesBuffers) {
  Ring ring;
  absl::Status status = ring.Init(64);
  if (!status.ok()) {
    GTEST_SKIP() << "io_uring unavailable here: " << status;
  }
  ProvidedBufferRing buffers;
  status = buffers.Init(ring.raw(), /*group=*/0, /*count=*/2, /*size=*/16);
  if (!status.ok()) {
    GTEST_SKIP() << "provided buffer rings unavailable here: " << status;
  }
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  io_uring_sqe* sqe = ring.GetSqe();
  io_uring_prep_recv_multishot(sqe, fds[0], nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  sqe->user_data = UserData{Op::kRecv, 7, 3}.Pack();

  for (int round = 0; round < 4; ++round) {
    const std::string message = "round " + std::to_string(round);
    ASSERT_EQ(write(fds[1], message.data(), message.size()),
              static_cast<ssize_t>(message.size()));
    ASSERT_EQ(ring.SubmitAndWait(absl::Seconds(5)), 0);
    io_uring_cqe* cqe = nullptr;
    ASSERT_EQ(io_uring_peek_cqe(ring.raw(), &cqe), 0);
    const UserData ud = UserData::Unpack(cqe->user_data);
    EXPECT_EQ(ud.op, Op::kRecv);
    EXPECT_EQ(ud.slot, 7u);
    EXPECT_EQ(ud.generation, 3u);
    ASSERT_EQ(cqe->res, static_cast<int>(message.size()));
    ASSERT_TRUE(cqe->flags & IORING_CQE_F_BUFFER);
    EXPECT_TRUE(cqe->flags & IORING_CQE_F_MORE);
    const auto bid = static_cast<uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    EXPECT_EQ(std::string(buffers.Data(bid), message.size()), message);
    io_uring_cqe_seen(ring.raw(), cqe);
    // With two buffers, four rounds only work if recycling hands them back.
    buffers.Recycle(bid);
    buffers.Publish();
  }
  close(fds[0]);
  close(fds[1]);
}

TEST(UserDataTest, PacksAndUnpacks) {
  const UserData in{Op::kSend, 0xabcdef, 0xfedcba98};
  const UserData out = UserData::Unpack(in.Pack());
  EXPECT_EQ(out.op, Op::kSend);
  EXPECT_EQ(out.slot, 0xabcdefu);
  EXPECT_EQ(out.generation, 0xfedcba98u);
}

}  // namespace
}  // namespace fullerene::net
