#include "turn_committer.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

namespace parley::server {

namespace net = boost::asio;

void turn_committer::submit(turn_store::turn_request turn, net::any_io_executor executor,
                            done_fn done, std::shared_ptr<const void> owner) {
    if (!db_.batches_turns()) {
        std::vector<waiting> one;
        one.push_back({std::move(turn), std::move(executor), std::move(done)});
        commit(std::move(one));
        return;
    }
    std::lock_guard lock(mu_);
    conversations_.insert(turn.shopper.conversation_id);
    batch_.push_back({std::move(turn), std::move(executor), std::move(done)});
    if (flush_posted_) return;
    flush_posted_ = true;
    if (std::chrono::steady_clock::now() - last_commit_ < busy_gap) {
        // Busy (a batch committed moments ago): gather for a moment. At
        // 4,000-5,000 turns/s most batches posted at once held one turn,
        // each its own commit with its own WAL frames; waiting 0.5 ms cut
        // the server's CPU by ~6 % (bench/load, 12 interleaved runs).
        wait_then_flush(batch_window, std::move(owner));
        return;
    }
    // Behind every handler queued so far: the sockets that became readable
    // with this one add their turns before the batch commits.
    net::post(ioc_, [this, owner = std::move(owner)]() mutable { flush(std::move(owner)); });
}

void turn_committer::wait_then_flush(std::chrono::microseconds delay,
                                     std::shared_ptr<const void> owner) {
    timer_.expires_after(delay);
    timer_.async_wait([this, owner = std::move(owner)](boost::system::error_code) mutable {
        flush(std::move(owner));
    });
}

void turn_committer::flush_conversation(std::string_view conversation_id) {
    const std::string id(conversation_id);
    std::unique_lock lock(mu_);
    if (conversations_.contains(id)) {
        lock.unlock();
        flush(nullptr);
        return;
    }
    // Its batch may be committing on another io thread right now: the
    // conversation's dialog state is read only after that commit.
    committed_.wait(lock, [&] {
        return std::none_of(committing_.begin(), committing_.end(),
                            [&](const auto& batch) { return batch.contains(id); });
    });
}

void turn_committer::flush(std::shared_ptr<const void> owner) {
    std::vector<waiting> batch;
    std::list<std::unordered_set<std::string>>::iterator flushed;  // in committing_
    {
        std::lock_guard lock(mu_);
        if (owner && db_.writer_paused() && !batch_.empty()) {
            // The store's checkpointer holds the writer for its fsyncs (a few
            // ms, ~13 times a second at 5,000 turns/s). Blocking here would
            // idle the io thread; the backlog it then found set the bot
            // replies' p99. Instead the thread goes on reading and answering,
            // the turns gather here, and one commit takes them all after.
            wait_then_flush(paused_retry, std::move(owner));
            return;
        }
        batch.swap(batch_);
        flushed = committing_.insert(committing_.end(), std::exchange(conversations_, {}));
        flush_posted_ = false;
    }
    if (!batch.empty()) commit(std::move(batch));
    {
        std::lock_guard lock(mu_);
        committing_.erase(flushed);
        last_commit_ = std::chrono::steady_clock::now();
    }
    committed_.notify_all();
}

void turn_committer::commit(std::vector<waiting> batch) {
    std::vector<turn_store::turn_request> turns;
    turns.reserve(batch.size());
    for (auto& w : batch) turns.push_back(std::move(w.turn));
    std::vector<turn_store::turn_outcome> outcomes;
    try {
        outcomes = db_.append_turns(turns);
    } catch (...) {
        outcomes.assign(batch.size(), turn_store::turn_outcome{{}, std::current_exception()});
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
        net::post(batch[i].executor,
                  [done = std::move(batch[i].done), outcome = std::move(outcomes[i])]() mutable {
                      done(std::move(outcome));
                  });
}

}  // namespace parley::server
