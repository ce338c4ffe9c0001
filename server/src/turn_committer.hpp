#pragma once
// Group commit of bot turns. A turn (the shopper's message, the bot's reply,
// the dialog state) is acknowledged only once it is committed (store.hpp).
// Committing each turn on its own made SQLite's commit (WAL frames for the
// conversation's table and index pages, the commit's own work) the largest
// cost of a turn. Here turns wait for the handlers already queued on the io
// threads (the other sockets that became readable together) and commit in
// one transaction; at low load a batch is one turn and waits for nothing.
// Under load (a batch committed less than busy_gap ago) a batch gathers for
// batch_window first.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "store.hpp"

namespace parley::server {

class turn_committer {
  public:
    using done_fn = std::function<void(turn_store::turn_outcome)>;

    turn_committer(boost::asio::io_context& ioc, turn_store& db) : ioc_(ioc), db_(db) {}

    // Stores a turn; `done` is posted to `executor` (the socket's strand) once
    // it is committed or failed, never called from inside submit(). A store
    // that does not batch (PostgreSQL, whose io threads commit in parallel)
    // commits it here and now. `owner` (the hub holding this and the store)
    // is kept alive until the batch is committed.
    void submit(turn_store::turn_request turn, boost::asio::any_io_executor executor, done_fn done,
                std::shared_ptr<const void> owner);

    // Commits the waiting batch now if it holds a turn of this conversation,
    // or waits for the batch holding one that another io thread is
    // committing: a second socket of the conversation must read its dialog
    // state after that turn, not before.
    void flush_conversation(std::string_view conversation_id);

  private:
    struct waiting {
        turn_store::turn_request turn;
        boost::asio::any_io_executor executor;
        done_fn done;
    };
    // `owner` null: a synchronous flush (flush_conversation), which waits
    // for the store if it must; else one that may put itself off while the
    // store's writer is paused.
    void flush(std::shared_ptr<const void> owner);
    void wait_then_flush(std::chrono::microseconds delay, std::shared_ptr<const void> owner);
    void commit(std::vector<waiting> batch);

    boost::asio::io_context& ioc_;
    turn_store& db_;
    std::mutex mu_;
    std::vector<waiting> batch_;
    std::unordered_set<std::string> conversations_;  // of batch_
    // The conversations of each batch being committed (io threads may
    // commit two at once).
    std::list<std::unordered_set<std::string>> committing_;
    std::condition_variable committed_;  // a batch was committed
    bool flush_posted_ = false;
    static constexpr std::chrono::microseconds batch_window{500};
    static constexpr std::chrono::milliseconds busy_gap{2};
    // How often a batch looks again while the store's writer is paused.
    static constexpr std::chrono::microseconds paused_retry{250};
    boost::asio::steady_timer timer_{ioc_};  // the gathering batch's window
    std::chrono::steady_clock::time_point last_commit_{};
};

}  // namespace parley::server
