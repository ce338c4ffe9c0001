#pragma once
// Token buckets keyed by a string (client IP, session id, agent id). Each key
// holds up to `capacity` tokens and regains `refill_per_second`; a request
// costs tokens and is refused when the bucket is short. Keys are sharded over
// several mutexes so unrelated clients rarely contend.
//
// Memory stays bounded: a bucket that has refilled to full carries no
// information (a new bucket starts full), so such idle buckets are dropped
// whenever a shard reaches its share of max_keys. If every bucket is still
// busy, the least recently used ones go (so never more than max_keys): under a flood of distinct
// keys that errs towards letting a request through rather than locking everyone out.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

namespace parley::server {

class rate_limiter {
  public:
    using clock = std::chrono::steady_clock;

    // capacity > 0 and refill_per_second >= 0, else std::invalid_argument.
    rate_limiter(double capacity, double refill_per_second, std::size_t max_keys = 100000);
    ~rate_limiter();
    rate_limiter(const rate_limiter&) = delete;
    rate_limiter& operator=(const rate_limiter&) = delete;

    // Takes `cost` tokens from `key`'s bucket if it has them. A cost above
    // the capacity is never allowed. Thread-safe.
    bool allow(std::string_view key, clock::time_point now, double cost = 1);

    // Seconds until `cost` tokens will be there (0 = now); for Retry-After.
    // Infinity when cost > capacity or nothing refills.
    double wait_seconds(std::string_view key, clock::time_point now, double cost = 1) const;

    // Drops the buckets that are full again at `now`; the server may call it
    // from a timer, allow() also does it on its own when a shard fills up.
    void sweep(clock::time_point now);

    std::size_t size() const;  // buckets held, for tests and metrics
    double capacity() const { return capacity_; }
    double refill_per_second() const { return refill_; }

  private:
    struct shard;

    shard& shard_for(std::string_view key) const;

    double capacity_;
    double refill_;
    std::size_t shard_count_;  // 1 for small limits, so max_keys is exact
    std::size_t max_per_shard_;
    std::unique_ptr<shard[]> shards_;
};

}  // namespace parley::server
