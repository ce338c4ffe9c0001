#include "rate_limiter.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

using namespace parley::server;
using namespace std::chrono_literals;

TEST_CASE("a bucket allows its capacity at once, then refills over time") {
    rate_limiter rl(3, 1);  // burst of 3, one per second
    const auto t0 = rate_limiter::clock::time_point{} + 1000s;
    CHECK(rl.allow("ip", t0));
    CHECK(rl.allow("ip", t0));
    CHECK(rl.allow("ip", t0));
    CHECK_FALSE(rl.allow("ip", t0));
    CHECK(rl.wait_seconds("ip", t0) == doctest::Approx(1.0));
    CHECK_FALSE(rl.allow("ip", t0 + 500ms));
    CHECK(rl.allow("ip", t0 + 1000ms));  // 1.5 tokens by now (0.5 + 1 refilled since 500 ms)
    CHECK_FALSE(rl.allow("ip", t0 + 1000ms));
    // Long idle: back to the capacity, not beyond it.
    const auto later = t0 + 3600s;
    CHECK(rl.allow("ip", later));
    CHECK(rl.allow("ip", later));
    CHECK(rl.allow("ip", later));
    CHECK_FALSE(rl.allow("ip", later));
}

TEST_CASE("keys are independent; costs count; oversize costs never pass") {
    rate_limiter rl(5, 0.5);
    const auto t0 = rate_limiter::clock::time_point{} + 10s;
    CHECK(rl.allow("a", t0, 5));
    CHECK_FALSE(rl.allow("a", t0, 1));
    CHECK(rl.allow("b", t0, 4));
    CHECK(rl.allow("b", t0, 1));
    CHECK_FALSE(rl.allow("c", t0, 6));
    CHECK(std::isinf(rl.wait_seconds("c", t0, 6)));
    CHECK(rl.wait_seconds("a", t0, 2) == doctest::Approx(4.0));
    CHECK(rl.allow("a", t0 + 4s, 2));
}

TEST_CASE("a clock read before another thread's update does not drain or refill") {
    rate_limiter rl(2, 1);
    const auto t0 = rate_limiter::clock::time_point{} + 100s;
    CHECK(rl.allow("k", t0));
    CHECK(rl.allow("k", t0 - 1s));  // earlier `now`: no refill, no time travel
    CHECK_FALSE(rl.allow("k", t0 - 1s));
    CHECK(rl.allow("k", t0 + 1s));
}

TEST_CASE("idle full buckets are evicted so memory stays bounded") {
    rate_limiter rl(2, 10, 8);  // small limit: one shard, exactly 8 keys
    const auto t0 = rate_limiter::clock::time_point{} + 100s;
    for (int i = 0; i < 8; ++i) CHECK(rl.allow("k" + std::to_string(i), t0));
    CHECK(rl.size() == 8);
    // A second later every bucket is full again: the next new key clears them.
    CHECK(rl.allow("new", t0 + 1s));
    CHECK(rl.size() == 1);
    // Busy buckets are kept while there is room...
    for (int i = 0; i < 7; ++i) rl.allow("busy" + std::to_string(i), t0 + 1s, 2);
    CHECK(rl.size() == 8);
    // ...and the least recently used go when a flood of new keys arrives.
    for (int i = 0; i < 100; ++i) rl.allow("flood" + std::to_string(i), t0 + 1s + 1ms * i, 2);
    CHECK(rl.size() <= 8);
    // An explicit sweep drops whatever has refilled.
    rl.sweep(t0 + 60s);
    CHECK(rl.size() == 0);
}

TEST_CASE("large limits shard and stay bounded") {
    rate_limiter rl(1, 0, 1024);
    const auto t0 = rate_limiter::clock::time_point{} + 1s;
    for (int i = 0; i < 5000; ++i) rl.allow("ip" + std::to_string(i), t0);
    CHECK(rl.size() <= 1024);
    CHECK(rl.size() > 500);
}

TEST_CASE("concurrent callers never get more than the capacity") {
    rate_limiter rl(1000, 0);
    const auto t0 = rate_limiter::clock::time_point{} + 1s;
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i)
                if (rl.allow("shared", t0)) ++allowed;
        });
    for (auto& th : threads) th.join();
    CHECK(allowed == 1000);
}

TEST_CASE("invalid parameters are refused") {
    CHECK_THROWS_AS(rate_limiter(0, 1), std::invalid_argument);
    CHECK_THROWS_AS(rate_limiter(1, -1), std::invalid_argument);
}
