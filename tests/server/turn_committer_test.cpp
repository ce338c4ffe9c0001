#include "turn_committer.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace parley::server;
using namespace std::chrono_literals;

namespace {

// A store that records what it commits and whose writer the test pauses.
class recording_store final : public turn_store {
  public:
    explicit recording_store(bool batches) : batches_(batches) {}

    std::vector<turn_outcome> append_turns(const std::vector<turn_request>& turns) override {
        if (hold) {  // the test holds this commit until it says so
            entered.set_value();
            hold->wait();
        }
        std::lock_guard lock(mu_);
        std::vector<std::string> batch;
        std::vector<turn_outcome> out(turns.size());
        for (std::size_t i = 0; i < turns.size(); ++i) {
            batch.push_back(turns[i].shopper.client_id);
            out[i].result.shopper.message.client_id = turns[i].shopper.client_id;
            out[i].result.shopper.message.seq = ++seq_;
        }
        batches_seen.push_back(std::move(batch));
        return out;
    }
    bool batches_turns() const override { return batches_; }
    bool writer_paused() const override { return paused; }

    std::vector<std::vector<std::string>> batches() {
        std::lock_guard lock(mu_);
        return batches_seen;
    }

    std::atomic<bool> paused{false};
    std::optional<std::shared_future<void>> hold;
    std::promise<void> entered;

  private:
    std::mutex mu_;
    std::vector<std::vector<std::string>> batches_seen;
    bool batches_;
    std::int64_t seq_ = 0;
};

turn_store::turn_request turn(const std::string& conversation, const std::string& client_id) {
    turn_store::turn_request t;
    t.shopper.conversation_id = conversation;
    t.shopper.client_id = client_id;
    t.shopper.text = "question " + client_id;
    return t;
}

// Runs the io_context until `done` holds or 5 s pass.
template <typename Pred>
bool run_until(boost::asio::io_context& ioc, Pred done) {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < until) {
        ioc.restart();
        ioc.run_for(1ms);
    }
    return done();
}

}  // namespace

TEST_CASE("turns wait while the store's writer is paused, then commit together") {
    boost::asio::io_context ioc;
    recording_store db(true);
    turn_committer committer(ioc, db);
    const auto owner = std::make_shared<int>(0);
    std::vector<std::string> acked;
    auto done = [&](turn_store::turn_outcome out) {
        CHECK_FALSE(out.error);
        acked.push_back(out.result.shopper.message.client_id);
    };

    db.paused = true;
    committer.submit(turn("c1", "a"), ioc.get_executor(), done, owner);
    committer.submit(turn("c2", "b"), ioc.get_executor(), done, owner);
    // The io thread goes on (it is not blocked in the store) and the turns
    // stay uncommitted and unacknowledged while the pause lasts.
    for (int i = 0; i < 5; ++i) {
        ioc.restart();
        ioc.run_for(2ms);
    }
    committer.submit(turn("c3", "c"), ioc.get_executor(), done, owner);
    ioc.restart();
    ioc.run_for(2ms);
    CHECK(db.batches().empty());
    CHECK(acked.empty());

    db.paused = false;
    REQUIRE(run_until(ioc, [&] { return acked.size() == 3; }));
    const auto batches = db.batches();
    REQUIRE(batches.size() == 1);  // one commit for everything that gathered
    CHECK(batches[0] == std::vector<std::string>{"a", "b", "c"});
    CHECK(acked == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a second socket's flush of its conversation commits at once, paused or not") {
    boost::asio::io_context ioc;
    recording_store db(true);
    turn_committer committer(ioc, db);
    const auto owner = std::make_shared<int>(0);
    int acked = 0;
    auto done = [&](turn_store::turn_outcome) { ++acked; };

    db.paused = true;
    committer.submit(turn("c1", "a"), ioc.get_executor(), done, owner);
    committer.flush_conversation("other");  // nothing of it waits: no commit
    CHECK(db.batches().empty());
    // Its dialog state must be read after the waiting turn: the flush waits
    // for the store instead of putting itself off.
    committer.flush_conversation("c1");
    REQUIRE(db.batches().size() == 1);
    CHECK(db.batches()[0] == std::vector<std::string>{"a"});
    REQUIRE(run_until(ioc, [&] { return acked == 1; }));
    // The flush that was scheduled for the batch finds nothing left to commit.
    db.paused = false;
    ioc.restart();
    ioc.run_for(5ms);
    CHECK(db.batches().size() == 1);
}

TEST_CASE("a store that does not batch commits each turn as it comes") {
    boost::asio::io_context ioc;
    recording_store db(false);
    turn_committer committer(ioc, db);
    int acked = 0;
    committer.submit(
        turn("c1", "a"), ioc.get_executor(), [&](turn_store::turn_outcome) { ++acked; },
        std::make_shared<int>(0));
    CHECK(db.batches().size() == 1);  // committed inside submit()
    CHECK(acked == 0);                // acknowledged on the socket's executor, later
    REQUIRE(run_until(ioc, [&] { return acked == 1; }));
}

TEST_CASE("a flush of a conversation whose batch another io thread is committing waits for it") {
    boost::asio::io_context ioc;
    recording_store db(true);
    turn_committer committer(ioc, db);
    std::promise<void> release;
    db.hold = release.get_future().share();
    auto entered = db.entered.get_future();
    std::atomic<int> acked{0};
    committer.submit(
        turn("c1", "a"), ioc.get_executor(), [&](turn_store::turn_outcome) { ++acked; },
        std::make_shared<int>(0));
    // Thread 1 runs the posted flush and is held inside the store's commit.
    std::thread io([&] { run_until(ioc, [&] { return acked.load() == 1; }); });
    entered.wait();
    // Thread 2: a second socket of c1 must not read its dialog state yet.
    auto second = std::async(std::launch::async, [&] { committer.flush_conversation("c1"); });
    CHECK(second.wait_for(50ms) == std::future_status::timeout);
    committer.flush_conversation("c2");  // another conversation does not wait
    release.set_value();
    CHECK(second.wait_for(5s) == std::future_status::ready);
    io.join();
    CHECK(acked == 1);
    CHECK(db.batches().size() == 1);
}
