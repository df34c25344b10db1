#include "net/batch.h"

#include "gtest/gtest.h"

namespace fullerene::net {
namespace {

Batch* Make(BatchPool& pool, uint32_t datapoints) {
  Batch* batch = pool.Get();
  batch->datapoints = datapoints;
  return batch;
}

TEST(BatchQueueTest, KeepsOrderAndCountsDatapoints) {
  BatchPool pool;
  BatchQueue queue;
  Batch* a = Make(pool, 3);
  Batch* b = Make(pool, 5);
  Batch* c = Make(pool, 7);
  queue.PushBack(b);
  queue.PushBack(c);
  queue.PushFront(a);
  EXPECT_EQ(queue.batches(), 3u);
  EXPECT_EQ(queue.datapoints(), 15u);
  EXPECT_EQ(queue.PopFront(), a);
  EXPECT_EQ(queue.PopFront(), b);
  EXPECT_EQ(queue.datapoints(), 7u);
  EXPECT_EQ(queue.PopFront(), c);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.PopFront(), nullptr);
  pool.Put(a);
  pool.Put(b);
  pool.Put(c);
}

TEST(BatchPoolTest, ReusesBatchesEmptied) {
  BatchPool pool;
  Batch* batch = pool.Get();
  batch->bytes.Append("hello");
  batch->datapoints = 1;
  pool.Put(batch);
  Batch* again = pool.Get();
  EXPECT_EQ(again, batch);
  EXPECT_TRUE(again->bytes.empty());
  EXPECT_EQ(again->datapoints, 0u);
  pool.Put(again);
}

TEST(BatchPoolTest, GivesBackHugeBuffers) {
  BatchPool pool;
  Batch* batch = pool.Get();
  batch->bytes.Reserve(BatchPool::kMaxKeptCapacity * 2);
  pool.Put(batch);
  Batch* again = pool.Get();
  EXPECT_EQ(again->bytes.capacity(), 0u);
  pool.Put(again);
}

}  // namespace
}  // namespace fullerene::net
