#include "rate_limiter.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::server {

namespace {

struct bucket {
    double tokens = 0;
    rate_limiter::clock::time_point last;
};

// Heterogeneous lookup so allow() does not build a std::string per call for
// keys that already have a bucket.
struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct rate_limiter::shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, bucket, key_hash, std::equal_to<>> buckets;
};

rate_limiter::rate_limiter(double capacity, double refill_per_second, std::size_t max_keys)
    : capacity_(capacity),
      refill_(refill_per_second),
      shard_count_(std::clamp<std::size_t>(max_keys / 64, 1, 16)),
      max_per_shard_(std::max<std::size_t>(1, max_keys / shard_count_)),
      shards_(std::make_unique<shard[]>(shard_count_)) {
    if (!(capacity > 0)) throw std::invalid_argument("rate_limiter: capacity must be > 0");
    if (!(refill_per_second >= 0))
        throw std::invalid_argument("rate_limiter: refill_per_second must be >= 0");
}

rate_limiter::~rate_limiter() = default;

rate_limiter::shard& rate_limiter::shard_for(std::string_view key) const {
    return shards_[std::hash<std::string_view>{}(key) % shard_count_];
}

namespace {

// Tokens in `b` at `now`. `now` may be a little behind `b.last` when threads
// read the clock before taking the lock; time never runs backwards for a bucket.
double refilled(const bucket& b, rate_limiter::clock::time_point now, double capacity,
                double refill) {
    if (now <= b.last) return b.tokens;
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    return std::min(capacity, b.tokens + elapsed * refill);
}

}  // namespace

bool rate_limiter::allow(std::string_view key, clock::time_point now, double cost) {
    if (!(cost <= capacity_)) return false;  // also refuses NaN
    if (cost < 0) cost = 0;
    shard& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    auto it = s.buckets.find(key);
    if (it == s.buckets.end()) {
        if (s.buckets.size() >= max_per_shard_) {
            // Idle full buckets first; if that frees too little, the least
            // recently used tenth, so the next misses don't rescan at once.
            std::erase_if(s.buckets, [&](const auto& kv) {
                return refilled(kv.second, now, capacity_, refill_) >= capacity_;
            });
            if (s.buckets.size() >= max_per_shard_) {
                std::vector<clock::time_point> lasts;
                lasts.reserve(s.buckets.size());
                for (const auto& kv : s.buckets) lasts.push_back(kv.second.last);
                const std::size_t drop = std::max<std::size_t>(1, max_per_shard_ / 10);
                std::nth_element(lasts.begin(), lasts.begin() + static_cast<long>(drop - 1),
                                 lasts.end());
                const auto cutoff = lasts[drop - 1];
                std::size_t dropped = 0;
                std::erase_if(s.buckets, [&](const auto& kv) {
                    if (dropped < drop && kv.second.last <= cutoff) {
                        ++dropped;
                        return true;
                    }
                    return false;
                });
            }
        }
        it = s.buckets.emplace(std::string(key), bucket{capacity_, now}).first;
    }
    bucket& b = it->second;
    b.tokens = refilled(b, now, capacity_, refill_);
    if (now > b.last) b.last = now;
    if (b.tokens + 1e-9 < cost) return false;
    b.tokens = std::max(0.0, b.tokens - cost);
    return true;
}

double rate_limiter::wait_seconds(std::string_view key, clock::time_point now, double cost) const {
    if (!(cost <= capacity_)) return std::numeric_limits<double>::infinity();
    shard& s = shard_for(key);
    std::lock_guard lock(s.mutex);
    const auto it = s.buckets.find(key);
    if (it == s.buckets.end()) return 0;
    const double tokens = refilled(it->second, now, capacity_, refill_);
    if (tokens + 1e-9 >= cost) return 0;
    if (refill_ <= 0) return std::numeric_limits<double>::infinity();
    return (cost - tokens) / refill_;
}

void rate_limiter::sweep(clock::time_point now) {
    for (std::size_t i = 0; i < shard_count_; ++i) {
        shard& s = shards_[i];
        std::lock_guard lock(s.mutex);
        std::erase_if(s.buckets, [&](const auto& kv) {
            return refilled(kv.second, now, capacity_, refill_) >= capacity_;
        });
    }
}

std::size_t rate_limiter::size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
        std::lock_guard lock(shards_[i].mutex);
        n += shards_[i].buckets.size();
    }
    return n;
}

}  // namespace parley::server
