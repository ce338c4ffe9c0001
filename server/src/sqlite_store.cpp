// SQLite backend: one file `<dir>/parley.db`, one connection behind a mutex.
// A single writer is what SQLite allows anyway, and holding one connection
// keeps every statement prepared once (cached by SQL text) for the life of
// the store. Beside it: the checkpointer's connection (run_checkpoints) and a
// read-only one for the bot path while the mutex is taken (find_conversation).
// WAL + synchronous=NORMAL: a commit survives a crash or kill -9 of
// the process (not necessarily a power cut, which the embedded mode accepts).
#include <sqlite3.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>

#include "store.hpp"
#include "store_support.hpp"

namespace parley::server {

namespace {

// 128 random bits as 22 base64url characters: unguessable and URL-safe.

// Ordered schema steps. Append new steps at the end; never edit a step that
// has shipped (databases in the field have already run it).
const char* const migrations[] = {
    // 1: initial schema
    R"sql(
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'bot',
    agent_id TEXT NOT NULL DEFAULT '',
    handoff_reason TEXT NOT NULL DEFAULT '',
    intent TEXT NOT NULL DEFAULT '',
    sentiment REAL NOT NULL DEFAULT 0,
    dialog_state TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    queued_at INTEGER NOT NULL DEFAULT 0,
    claimed_at INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    csat_score INTEGER NOT NULL DEFAULT 0,
    csat_comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversations_token ON conversations(token_hash, created_at);
CREATE INDEX conversations_user ON conversations(user_id, created_at) WHERE user_id <> '';
CREATE INDEX conversations_status ON conversations(status, queued_at);
CREATE INDEX conversations_created ON conversations(created_at);
CREATE INDEX conversations_updated ON conversations(updated_at);
CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    client_id TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL,
    agent_id TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_client ON messages(conversation_id, client_id) WHERE client_id <> '';
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'agent',
    created_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_expiry ON auth_sessions(expires_at);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    created_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL DEFAULT 0,
    answer TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    answered_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tickets_conversation ON tickets(conversation_id);
CREATE INDEX tickets_user ON tickets(user_id) WHERE user_id <> '';
CREATE INDEX tickets_status ON tickets(status, due_at);
CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    text TEXT NOT NULL
);
)sql",
    // 2: webhook outbox and the demo shop's orders (issue 7)
    R"sql(
CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at) WHERE state = 'pending';
CREATE TABLE demo_orders (
    number TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
)sql",
    // 3: published config versions (issue 6)
    R"sql(
CREATE TABLE config_versions (
    version INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT ''
);
)sql",
};

using param = std::variant<std::string, std::int64_t>;

class sqlite_store final : public store {
  public:
    explicit sqlite_store(const std::string& dir) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw store_error("cannot create data directory " + dir + ": " + ec.message());
        const std::string path = (std::filesystem::path(dir) / "parley.db").string();
        int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close_v2(db_);
            db_ = nullptr;
            throw store_error("cannot open " + path + ": " + msg);
        }
        try {
            sqlite3_busy_timeout(db_, 5000);  // another process (a backup, the CLI) may hold it
            exec_script("PRAGMA journal_mode=WAL", "enable WAL");
            exec_script("PRAGMA synchronous=NORMAL", "set synchronous");
            exec_script("PRAGMA foreign_keys=ON", "enable foreign keys");
            // Reads through a memory map and a 64 MiB page cache instead of a
            // pread() copy per page: the bot path reads the conversation row
            // and message index on every turn (perf showed pread copies at 7%).
            exec_script("PRAGMA mmap_size=268435456", "map the database");
            exec_script("PRAGMA cache_size=-65536", "size the page cache");
            exec_script("PRAGMA temp_store=MEMORY", "keep temp tables in memory");
            migrate();
            // Checkpoints (copying the WAL into the database, with their
            // fsyncs) run on a thread of their own: inside a commit every
            // ~1000 pages they stalled the io thread for 10-20 ms, which set
            // the bot replies' p99.
            exec_script("PRAGMA wal_autocheckpoint=0", "move checkpoints off the writer");
            // The fallback that bounds the WAL whatever that thread manages
            // (see run_checkpoints()): a commit that leaves 16 MiB (4096
            // pages) in it checkpoints and rewinds it before returning.
            // RESTART, not SQLite's automatic PASSIVE one: that gives up
            // while the thread's own pass holds the checkpoint lock, which on
            // a saturated machine is most of the time.
            sqlite3_wal_hook(
                db_,
                [](void* self, sqlite3* db, const char*, int frames) {
                    if (frames < 4096) return SQLITE_OK;
                    // The thread's pass holds SQLite's checkpoint lock (the
                    // writer's attempt fails at once, no busy handler): ask it
                    // to start no new one and retry until its current ends.
                    auto& flag = static_cast<sqlite_store*>(self)->writer_checkpointing_;
                    flag = true;
                    for (int attempt = 0; attempt < 1000; ++attempt) {
                        int log = 0;
                        const int rc = sqlite3_wal_checkpoint_v2(
                            db, nullptr, SQLITE_CHECKPOINT_RESTART, &log, nullptr);
                        if (rc != SQLITE_BUSY || log >= 0) break;
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    }
                    flag = false;
                    return SQLITE_OK;
                },
                this);
            open_reader(path);
            checkpointer_ = std::thread([this, path] { run_checkpoints(path); });
        } catch (...) {
            close_db();
            throw;
        }
    }

    ~sqlite_store() override { close_db(); }

    std::string kind() const override { return "sqlite"; }

    bool healthy() override {
        std::lock_guard lock(mu_);
        try {
            query q(*this, "SELECT 1");
            return q.step();
        } catch (const store_error&) {
            return false;
        }
    }

    // --- conversations ---------------------------------------------------
    conversation_record create_conversation(const new_conversation& c) override {
        std::lock_guard lock(mu_);
        conversation_record r;
        r.id = random_id();
        r.token_hash = c.token_hash;
        r.user_id = c.user_id;
        r.email = c.email;
        r.name = c.name;
        r.locale = c.locale;
        r.origin = c.origin;
        r.dialog_state = c.dialog_state;
        r.created_at = r.updated_at = c.now;
        const bool event = wants_event("conversation.started");
        std::optional<transaction> tx;
        if (event) tx.emplace(*this);
        {
            query q(*this,
                    "INSERT INTO conversations (id, token_hash, user_id, email, name, locale, "
                    "origin, status, dialog_state, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            q.bind(r.id, r.token_hash, r.user_id, r.email, r.name, r.locale, r.origin,
                   status_name(r.status), r.dialog_state, r.created_at, r.updated_at);
            q.run();
        }
        if (event) {
            add_events_locked("conversation.started", event_data::started(r), c.now);
            tx->commit();
        }
        return r;
    }

    // Every bot turn reads its conversation first, on the writer's connection
    // (whose page cache holds the row) when its lock is free. When it is not
    // (the checkpointer holds it for its fsyncs, or another io thread
    // commits) the read goes to a read-only connection of its own, so the io
    // thread goes on reading frames and answering while its turns wait in the
    // group commit (writer_paused()), instead of idling. Only then: the
    // writer's commits empty that connection's page cache, and reading every
    // turn there cost more CPU per reply (BENCHMARKS.md, 2026-12-07). A WAL
    // reader sees every committed transaction; a turn still in the group
    // commit is flushed first (hub::flush_turns_of), as before.
    std::optional<conversation_record> find_conversation(std::string_view id) override {
        auto read = [](query& q, std::string_view id) -> std::optional<conversation_record> {
            q.bind(id);
            if (!q.step()) return std::nullopt;
            return read_conversation(q);
        };
        if (std::unique_lock writer(mu_, std::try_to_lock); writer.owns_lock()) {
            query q(*this, conversation_by_id_sql());
            return read(q, id);
        }
        std::lock_guard lock(read_mu_);
        query q(rdb_, read_conversation_);
        return read(q, id);
    }

    bool writer_paused() const override { return writer_paused_.load(std::memory_order_relaxed); }

    std::optional<conversation_record> find_conversation_by_token(
        std::string_view token_hash) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + conversation_columns +
                           " FROM conversations WHERE token_hash = ? "
                           "ORDER BY created_at DESC, rowid DESC LIMIT 1");
        q.bind(token_hash);
        if (!q.step()) return std::nullopt;
        return read_conversation(q);
    }

    std::vector<conversation_record> conversations_for_user(std::string_view user_id) override {
        std::lock_guard lock(mu_);
        std::vector<conversation_record> out;
        if (user_id.empty()) return out;  // "" means anonymous, never a shared identity
        query q(*this, std::string("SELECT ") + conversation_columns +
                           " FROM conversations WHERE user_id = ? AND user_id <> '' "
                           "ORDER BY created_at DESC, rowid DESC");
        q.bind(user_id);
        while (q.step()) out.push_back(read_conversation(q));
        return out;
    }

    std::vector<conversation_record> list_conversations(const conversation_filter& f) override {
        std::lock_guard lock(mu_);
        // The SQL is assembled from fixed fragments only; every value is bound.
        std::string sql =
            std::string("SELECT ") + conversation_columns + " FROM conversations WHERE 1 = 1";
        std::vector<param> params;
        if (f.status) {
            sql += " AND status = ?";
            params.emplace_back(std::string(status_name(*f.status)));
        }
        if (!f.agent_id.empty()) {
            sql += " AND agent_id = ?";
            params.emplace_back(f.agent_id);
        }
        if (f.since != 0) {
            sql += " AND created_at >= ?";
            params.emplace_back(f.since);
        }
        if (f.until != 0) {
            sql += " AND created_at < ?";
            params.emplace_back(f.until);
        }
        if (f.status == conversation_status::queued) {
            sql += " ORDER BY queued_at ASC, rowid ASC";
        } else {
            sql += " ORDER BY created_at DESC, rowid DESC";
        }
        sql += " LIMIT ?";
        params.emplace_back(clamp_limit(f.limit));
        query q(*this, sql);
        for (std::size_t i = 0; i < params.size(); ++i) {
            std::visit([&](const auto& v) { q.bind_at(static_cast<int>(i + 1), v); }, params[i]);
        }
        std::vector<conversation_record> out;
        while (q.step()) out.push_back(read_conversation(q));
        return out;
    }

    void save_dialog(std::string_view id, std::string_view dialog_state, std::string_view intent,
                     double sentiment, std::int64_t now) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "UPDATE conversations SET dialog_state = ?, intent = ?, sentiment = ?, "
                "updated_at = ? WHERE id = ?");
        q.bind(dialog_state, intent, sentiment, now, id);
        q.run();
    }

    void set_identity(std::string_view id, std::string_view user_id, std::string_view email,
                      std::string_view name, std::int64_t now) override {
        std::lock_guard lock(mu_);
        // An empty field leaves the stored value alone: a ticket form that
        // only knows the email must not erase a verified user id.
        query q(*this,
                "UPDATE conversations SET user_id = COALESCE(NULLIF(?, ''), user_id), "
                "email = COALESCE(NULLIF(?, ''), email), name = COALESCE(NULLIF(?, ''), name), "
                "updated_at = ? WHERE id = ?");
        q.bind(user_id, email, name, now, id);
        q.run();
    }

    bool enqueue(std::string_view id, std::string_view reason, std::int64_t now) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        query q(*this,
                "UPDATE conversations SET status = 'queued', handoff_reason = ?, queued_at = ?, "
                "updated_at = ? WHERE id = ? AND status = 'bot' "
                "RETURNING user_id, intent, sentiment");
        q.bind(reason, now, now, id);
        if (!q.step()) return false;
        const std::string user = q.text(0), intent = q.text(1);
        const double sentiment = q.dbl(2);
        q.run();
        if (wants_event("conversation.handed_off"))
            add_events_locked("conversation.handed_off",
                              event_data::handed_off(id, user, reason, intent, sentiment), now);
        tx.commit();
        return true;
    }

    bool claim(std::string_view id, std::string_view agent_id, std::int64_t now) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "UPDATE conversations SET status = 'agent', agent_id = ?, claimed_at = ?, "
                "updated_at = ? WHERE id = ? AND status = 'queued'");
        q.bind(agent_id, now, now, id);
        return q.run() == 1;
    }

    bool transfer(std::string_view id, std::string_view from_agent, std::string_view to_agent,
                  std::int64_t now) override {
        std::lock_guard lock(mu_);
        if (to_agent.empty()) return false;
        query q(*this,
                "UPDATE conversations SET agent_id = ?, updated_at = ? "
                "WHERE id = ? AND status = 'agent' AND agent_id = ?");
        q.bind(to_agent, now, id, from_agent);
        return q.run() == 1;
    }

    bool close(std::string_view id, std::int64_t now) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        std::string agent;
        {
            query q(*this, "SELECT agent_id FROM conversations WHERE id = ?");
            q.bind(id);
            if (q.step()) agent = q.text(0);
        }
        query q(*this,
                "UPDATE conversations SET status = 'closed', agent_id = '', closed_at = ?, "
                "updated_at = ? WHERE id = ? AND status <> 'closed' RETURNING user_id, intent");
        q.bind(now, now, id);
        if (!q.step()) return false;
        const std::string user = q.text(0), intent = q.text(1);
        q.run();
        if (wants_event("conversation.closed"))
            add_events_locked("conversation.closed", event_data::closed(id, user, agent, intent),
                              now);
        tx.commit();
        return true;
    }

    void reopen(std::string_view id, std::int64_t now) override {
        std::lock_guard lock(mu_);
        // queued_at/claimed_at/closed_at keep the last cycle's times for
        // analytics; the next enqueue/claim/close overwrites them.
        query q(*this,
                "UPDATE conversations SET status = 'bot', agent_id = '', handoff_reason = '', "
                "updated_at = ? WHERE id = ?");
        q.bind(now, id);
        q.run();
    }

    bool set_csat(std::string_view id, int score, std::string_view comment,
                  std::int64_t now) override {
        std::lock_guard lock(mu_);
        if (score < 1 || score > 5) return false;
        transaction tx(*this);
        query q(*this,
                "UPDATE conversations SET csat_score = ?, csat_comment = ?, updated_at = ? "
                "WHERE id = ? AND csat_score = 0 RETURNING user_id");
        q.bind(static_cast<std::int64_t>(score), comment, now, id);
        if (!q.step()) return false;
        const std::string user = q.text(0);
        q.run();
        if (wants_event("csat.received"))
            add_events_locked("csat.received", event_data::csat(id, user, score, comment), now);
        tx.commit();
        return true;
    }

    // --- messages --------------------------------------------------------
    append_result append_message(const new_message& m) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        auto r = append_locked(m);
        if (!r.duplicate) tx.commit();
        return r;
    }

    turn_result append_turn(const new_message& shopper, const std::vector<new_message>& replies,
                            const std::optional<dialog_update>& dialog) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        auto out = append_turn_locked(shopper, replies, dialog);
        if (!out.shopper.duplicate) tx.commit();
        return out;
    }

    std::vector<turn_outcome> append_turns(const std::vector<turn_request>& turns) override {
        if (turns.size() > 1) {
            std::lock_guard lock(mu_);
            try {
                transaction tx(*this);
                std::vector<turn_outcome> out(turns.size());
                for (std::size_t i = 0; i < turns.size(); ++i)
                    out[i].result =
                        append_turn_locked(turns[i].shopper, turns[i].replies, turns[i].dialog);
                tx.commit();
                return out;
            } catch (const std::exception&) {
                // One turn failed (its conversation was deleted meanwhile) and
                // the batch rolled back: each turn again on its own, so that
                // only that one fails. Rare, so not worth a savepoint per turn.
            }
        }
        return store::append_turns(turns);
    }

    bool batches_turns() const override { return true; }

  private:
    // append_turn inside the caller's lock and transaction. A duplicate
    // writes nothing (a turn in the same batch that stored it is seen).
    turn_result append_turn_locked(const new_message& shopper,
                                   const std::vector<new_message>& replies,
                                   const std::optional<dialog_update>& dialog) {
        turn_result out;
        if (auto dup = find_duplicate_locked(shopper)) {
            out.shopper = {std::move(*dup), true};
            return out;
        }
        // One UPDATE of the conversation row for the whole turn (it carries
        // the dialog state, so each rewrite costs): the turn's seqs are the
        // last 1 + replies.size() values of last_seq.
        const auto count = static_cast<std::int64_t>(1 + replies.size());
        std::int64_t last = 0;
        {
            query bump(*this, dialog ? "UPDATE conversations SET last_seq = last_seq + ?, "
                                       "updated_at = ?, dialog_state = ?, intent = ?, "
                                       "sentiment = ? WHERE id = ? RETURNING last_seq"
                                     : "UPDATE conversations SET last_seq = last_seq + ?, "
                                       "updated_at = ? WHERE id = ? RETURNING last_seq");
            if (dialog)
                bump.bind(count, shopper.now, dialog->state, dialog->intent, dialog->sentiment,
                          shopper.conversation_id);
            else
                bump.bind(count, shopper.now, shopper.conversation_id);
            if (!bump.step())
                throw store_error("append_turn: no conversation " + shopper.conversation_id);
            last = bump.i64(0);
        }
        std::int64_t seq = last - count + 1;
        out.shopper = {insert_message_locked(shopper, seq++), false};
        for (const auto& m : replies) out.replies.push_back(insert_message_locked(m, seq++));
        return out;
    }

    // The stored message with this client_id, if the client sent it before.
    std::optional<message_record> find_duplicate_locked(const new_message& m) {
        if (m.client_id.empty()) return std::nullopt;
        // `client_id <> ''` repeats the partial index's WHERE: SQLite uses a
        // partial index only when the query implies its condition, and a bound
        // value does not. Without it every turn scanned its conversation's
        // messages (17 % of the server's samples at 3,000 turns/s, growing
        // with the conversation).
        query dup(*this, std::string("SELECT ") + message_columns +
                             " FROM messages WHERE conversation_id = ? AND client_id = ? "
                             "AND client_id <> ''");
        dup.bind(m.conversation_id, m.client_id);
        if (dup.step()) return read_message(dup);
        return std::nullopt;
    }

    // One append inside the caller's lock and transaction.
    append_result append_locked(const new_message& m) {
        if (auto dup = find_duplicate_locked(m)) return {std::move(*dup), true};
        std::int64_t seq = 0;
        {
            query bump(*this,
                       "UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? "
                       "WHERE id = ? RETURNING last_seq");
            bump.bind(m.now, m.conversation_id);
            if (!bump.step())
                throw store_error("append_message: no conversation " + m.conversation_id);
            seq = bump.i64(0);
        }
        return {insert_message_locked(m, seq), false};
    }

    message_record insert_message_locked(const new_message& m, std::int64_t seq) {
        message_record r;
        r.seq = seq;
        r.conversation_id = m.conversation_id;
        r.client_id = m.client_id;
        r.author = m.author;
        r.agent_id = m.agent_id;
        r.text = m.text;
        r.payload = m.payload;
        r.created_at = m.now;
        query ins(*this,
                  "INSERT INTO messages (conversation_id, seq, client_id, author, agent_id, text, "
                  "payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        ins.bind(r.conversation_id, r.seq, r.client_id, author_name(r.author), r.agent_id, r.text,
                 r.payload, r.created_at);
        ins.run();
        return r;
    }

  public:
    std::vector<message_record> messages_after(std::string_view conversation_id,
                                               std::int64_t after_seq, std::size_t limit) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + message_columns +
                           " FROM messages WHERE conversation_id = ? AND seq > ? "
                           "ORDER BY seq ASC LIMIT ?");
        q.bind(conversation_id, after_seq, clamp_limit(limit));
        std::vector<message_record> out;
        while (q.step()) out.push_back(read_message(q));
        return out;
    }

    // --- agents and sign-in ----------------------------------------------
    agent_record ensure_agent(const agent_record& a) override {
        std::lock_guard lock(mu_);
        const std::string email = lower_ascii(a.email);
        {
            query q(*this,
                    "INSERT INTO agents (id, email, name, password_hash, role, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING");
            q.bind(a.id.empty() ? random_id() : a.id, email, a.name, a.password_hash,
                   role_name(a.role), a.created_at);
            q.run();
        }
        query q(*this, std::string("SELECT ") + agent_columns + " FROM agents WHERE email = ?");
        q.bind(email);
        if (!q.step()) throw store_error("ensure_agent: agent vanished: " + email);
        return read_agent(q);
    }

    std::optional<agent_record> find_agent_by_email(std::string_view email) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + agent_columns + " FROM agents WHERE email = ?");
        q.bind(lower_ascii(email));
        if (!q.step()) return std::nullopt;
        return read_agent(q);
    }

    std::optional<agent_record> find_agent(std::string_view id) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + agent_columns + " FROM agents WHERE id = ?");
        q.bind(id);
        if (!q.step()) return std::nullopt;
        return read_agent(q);
    }

    std::vector<agent_record> list_agents() override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + agent_columns + " FROM agents ORDER BY email");
        std::vector<agent_record> out;
        while (q.step()) out.push_back(read_agent(q));
        return out;
    }

    void create_auth_session(const auth_session_record& s) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "INSERT INTO auth_sessions (token_hash, agent_id, csrf_token, expires_at) "
                "VALUES (?, ?, ?, ?)");
        q.bind(s.token_hash, s.agent_id, s.csrf_token, s.expires_at);
        q.run();
    }

    std::optional<auth_session_record> find_auth_session(std::string_view token_hash,
                                                         std::int64_t now) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "SELECT token_hash, agent_id, csrf_token, expires_at FROM auth_sessions "
                "WHERE token_hash = ? AND expires_at > ?");
        q.bind(token_hash, now);
        if (!q.step()) return std::nullopt;
        auth_session_record r;
        r.token_hash = q.text(0);
        r.agent_id = q.text(1);
        r.csrf_token = q.text(2);
        r.expires_at = q.i64(3);
        return r;
    }

    void delete_auth_session(std::string_view token_hash) override {
        std::lock_guard lock(mu_);
        query q(*this, "DELETE FROM auth_sessions WHERE token_hash = ?");
        q.bind(token_hash);
        q.run();
    }

    // --- tickets ---------------------------------------------------------
    ticket_record create_ticket(const ticket_record& t) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        ticket_record r = t;
        {
            query q(*this,
                    "INSERT INTO tickets (conversation_id, user_id, email, message, status, "
                    "created_at, due_at, answer, answered_by, answered_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
            q.bind(t.conversation_id, t.user_id, t.email, t.message, ticket_status_name(t.status),
                   t.created_at, t.due_at, t.answer, t.answered_by, t.answered_at, t.created_at);
            if (!q.step()) throw store_error("create_ticket: no id returned");
            r.id = q.i64(0);
            q.run();
        }
        if (wants_event("ticket.created"))
            add_events_locked("ticket.created", event_data::ticket_created(r), t.created_at);
        tx.commit();
        return r;
    }

    std::optional<ticket_record> find_ticket(std::int64_t id) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + ticket_columns + " FROM tickets WHERE id = ?");
        q.bind(id);
        if (!q.step()) return std::nullopt;
        return read_ticket(q);
    }

    std::vector<ticket_record> list_tickets(std::optional<ticket_status> status,
                                            std::size_t limit) override {
        std::lock_guard lock(mu_);
        std::vector<ticket_record> out;
        // Open tickets in SLA order (most urgent first); otherwise newest first.
        if (status) {
            query q(*this, std::string("SELECT ") + ticket_columns +
                               " FROM tickets WHERE status = ? ORDER BY "
                               "CASE WHEN status = 'open' THEN due_at ELSE -id END ASC, id ASC "
                               "LIMIT ?");
            q.bind(ticket_status_name(*status), clamp_limit(limit));
            while (q.step()) out.push_back(read_ticket(q));
        } else {
            query q(*this, std::string("SELECT ") + ticket_columns +
                               " FROM tickets ORDER BY id DESC LIMIT ?");
            q.bind(clamp_limit(limit));
            while (q.step()) out.push_back(read_ticket(q));
        }
        return out;
    }

    std::vector<ticket_record> tickets_for_conversation(std::string_view conversation_id) override {
        std::lock_guard lock(mu_);
        std::vector<ticket_record> out;
        if (conversation_id.empty()) return out;
        query q(*this, std::string("SELECT ") + ticket_columns +
                           " FROM tickets WHERE conversation_id = ? ORDER BY id ASC");
        q.bind(conversation_id);
        while (q.step()) out.push_back(read_ticket(q));
        return out;
    }

    bool answer_ticket(std::int64_t id, std::string_view answer, std::string_view agent_id,
                       std::int64_t now) override {
        std::lock_guard lock(mu_);
        // Only an open ticket can be answered: two agents answering at once
        // must not both mail the shopper.
        transaction tx(*this);
        query q(*this,
                "UPDATE tickets SET status = 'answered', answer = ?, answered_by = ?, "
                "answered_at = ?, updated_at = ? WHERE id = ? AND status = 'open' "
                "RETURNING conversation_id");
        q.bind(answer, agent_id, now, now, id);
        if (!q.step()) return false;
        const std::string conversation = q.text(0);
        q.run();
        if (wants_event("ticket.updated"))
            add_events_locked("ticket.updated",
                              event_data::ticket_answered(id, conversation, agent_id), now);
        tx.commit();
        return true;
    }

    bool set_ticket_status(std::int64_t id, ticket_status status, std::int64_t now) override {
        std::lock_guard lock(mu_);
        query q(*this, "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?");
        q.bind(ticket_status_name(status), now, id);
        return q.run() == 1;
    }

    // --- canned replies --------------------------------------------------
    std::vector<canned_reply> list_canned() override {
        std::lock_guard lock(mu_);
        query q(*this, "SELECT id, title, text FROM canned_replies ORDER BY id");
        std::vector<canned_reply> out;
        while (q.step()) out.push_back({q.i64(0), q.text(1), q.text(2)});
        return out;
    }

    canned_reply add_canned(std::string_view title, std::string_view text) override {
        std::lock_guard lock(mu_);
        query q(*this, "INSERT INTO canned_replies (title, text) VALUES (?, ?) RETURNING id");
        q.bind(title, text);
        if (!q.step()) throw store_error("add_canned: no id returned");
        return {q.i64(0), std::string(title), std::string(text)};
    }

    // --- config versions ---------------------------------------------------
    config_version_record add_config_version(const config_version_record& v) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "INSERT INTO config_versions (version, config, published_at, published_by, note, "
                "source) SELECT COALESCE(MAX(version), 0) + 1, ?, ?, ?, ?, ? FROM config_versions "
                "RETURNING version");
        q.bind(v.config, v.published_at, v.published_by, v.note, v.source);
        if (!q.step()) throw store_error("add_config_version: no version returned");
        config_version_record out = v;
        out.version = q.i64(0);
        return out;
    }

    std::optional<config_version_record> latest_config_version() override {
        return one_config(std::string("SELECT ") + config_version_columns +
                              " FROM config_versions ORDER BY version DESC LIMIT 1",
                          {});
    }

    std::optional<config_version_record> find_config_version(std::int64_t version) override {
        return one_config(std::string("SELECT ") + config_version_columns +
                              " FROM config_versions WHERE version = ?",
                          version);
    }

    std::optional<config_version_record> latest_config_from(std::string_view prefix) override {
        return one_config(std::string("SELECT ") + config_version_columns +
                              " FROM config_versions WHERE substr(source, 1, length(?1)) = ?1 "
                              "ORDER BY version DESC LIMIT 1",
                          std::string(prefix));
    }

    std::vector<config_version_record> list_config_versions(std::size_t limit) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "SELECT version, '', published_at, published_by, note, source FROM config_versions "
                "ORDER BY version DESC LIMIT ?");
        q.bind(clamp_limit(limit));
        std::vector<config_version_record> out;
        while (q.step()) out.push_back(read_config_version(q));
        return out;
    }

    // --- webhook outbox ----------------------------------------------------
    void add_outbox(const std::vector<outbox_record>& events) override {
        if (events.empty()) return;
        std::lock_guard lock(mu_);
        transaction tx(*this);
        insert_outbox_locked(events);
        tx.commit();
    }

    void insert_outbox_locked(const std::vector<outbox_record>& events) {
        for (const auto& e : events) {
            query q(*this,
                    "INSERT INTO webhook_outbox (event_id, event, url, payload, created_at, "
                    "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)");
            q.bind(e.event_id, e.event, e.url, e.payload, e.created_at, e.next_attempt_at);
            q.run();
        }
    }

    // Inside the caller's lock and transaction: the event commits with the change.
    void add_events_locked(std::string_view event, const std::string& data, std::int64_t now) {
        insert_outbox_locked(outbox_entries(event, data, now));
    }

    std::vector<outbox_record> claim_outbox(std::int64_t now, std::int64_t lease_ms,
                                            std::size_t limit) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("UPDATE webhook_outbox SET next_attempt_at = ?, attempts = "
                                   "attempts + 1 WHERE id IN (SELECT id FROM webhook_outbox "
                                   "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id "
                                   "LIMIT ?) RETURNING ") +
                           outbox_columns);
        q.bind(now + lease_ms, now, clamp_limit(limit));
        std::vector<outbox_record> out;
        while (q.step()) out.push_back(read_outbox(q));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        return out;
    }

    void finish_outbox(std::int64_t id, outbox_state state, int status, std::string_view error,
                       std::int64_t next_attempt_at, std::int64_t now) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "UPDATE webhook_outbox SET state = ?, last_status = ?, last_error = ?, "
                "next_attempt_at = ?, delivered_at = ? WHERE id = ?");
        q.bind(outbox_state_name(state), std::int64_t{status}, error, next_attempt_at,
               state == outbox_state::delivered ? now : std::int64_t{0}, id);
        q.run();
    }

    std::vector<outbox_record> list_outbox(std::size_t limit) override {
        std::lock_guard lock(mu_);
        query q(*this, std::string("SELECT ") + outbox_columns +
                           " FROM webhook_outbox ORDER BY id DESC LIMIT ?");
        q.bind(clamp_limit(limit));
        std::vector<outbox_record> out;
        while (q.step()) out.push_back(read_outbox(q));
        return out;
    }

    // --- demo shop orders --------------------------------------------------
    void seed_demo_orders(const std::vector<demo_order_record>& orders) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        for (const auto& o : orders) {
            query q(*this,
                    "INSERT INTO demo_orders (number, email, document, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (number) DO NOTHING");
            q.bind(o.number, o.email, o.document, o.updated_at);
            q.run();
        }
        tx.commit();
    }

    std::optional<demo_order_record> find_demo_order(std::string_view number) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "SELECT number, email, document, updated_at FROM demo_orders WHERE number = ?");
        q.bind(number);
        if (!q.step()) return std::nullopt;
        return demo_order_record{q.text(0), q.text(1), q.text(2), q.i64(3)};
    }

    void save_demo_order(const demo_order_record& o) override {
        std::lock_guard lock(mu_);
        query q(*this,
                "INSERT INTO demo_orders (number, email, document, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (number) DO UPDATE SET email = excluded.email, "
                "document = excluded.document, updated_at = excluded.updated_at");
        q.bind(o.number, o.email, o.document, o.updated_at);
        q.run();
    }

    // --- privacy ---------------------------------------------------------
    std::size_t delete_older_than(std::int64_t cutoff) override {
        std::lock_guard lock(mu_);
        transaction tx(*this);
        {
            query q(*this,
                    "DELETE FROM tickets WHERE conversation_id IN "
                    "(SELECT id FROM conversations WHERE updated_at < ?) "
                    "OR (conversation_id = '' AND created_at < ?)");
            q.bind(cutoff, cutoff);
            q.run();
        }
        {
            query q(*this, "DELETE FROM auth_sessions WHERE expires_at < ?");
            q.bind(cutoff);
            q.run();
        }
        // Messages go by ON DELETE CASCADE.
        query q(*this, "DELETE FROM conversations WHERE updated_at < ?");
        q.bind(cutoff);
        const auto n = q.run();
        tx.commit();
        return static_cast<std::size_t>(n);
    }

    std::size_t delete_shopper(std::string_view user_id, std::string_view token_hash) override {
        std::lock_guard lock(mu_);
        if (user_id.empty() && token_hash.empty()) return 0;
        transaction tx(*this);
        constexpr const char* which =
            "(SELECT id FROM conversations WHERE (? <> '' AND user_id = ?) "
            "OR (? <> '' AND token_hash = ?))";
        {
            query q(*this, std::string("DELETE FROM tickets WHERE conversation_id IN ") + which +
                               " OR (? <> '' AND user_id = ?)");
            q.bind(user_id, user_id, token_hash, token_hash, user_id, user_id);
            q.run();
        }
        query q(*this,
                "DELETE FROM conversations WHERE (? <> '' AND user_id = ?) "
                "OR (? <> '' AND token_hash = ?)");
        q.bind(user_id, user_id, token_hash, token_hash);
        const auto n = q.run();
        tx.commit();
        return static_cast<std::size_t>(n);
    }

  private:
    // A cached prepared statement for the duration of one use: binds values,
    // steps, reads columns, and resets itself when it goes out of scope.
    class query {
      public:
        query(sqlite_store& s, const std::string& sql) : db_(s.db_), stmt_(s.prepare(sql)) {}
        // A statement prepared on another connection (the reader's).
        query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
        ~query() {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        }
        query(const query&) = delete;
        query& operator=(const query&) = delete;

        template <typename... Args>
        void bind(const Args&... args) {
            int i = 0;
            (bind_at(++i, args), ...);
        }
        void bind_at(int i, std::string_view v) {
            // A null data pointer would bind SQL NULL; empty text must stay ''.
            check(sqlite3_bind_text(stmt_, i, v.data() ? v.data() : "", static_cast<int>(v.size()),
                                    SQLITE_TRANSIENT));
        }
        void bind_at(int i, const std::string& v) { bind_at(i, std::string_view(v)); }
        void bind_at(int i, const char* v) { bind_at(i, std::string_view(v)); }
        void bind_at(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
        void bind_at(int i, double v) { check(sqlite3_bind_double(stmt_, i, v)); }

        // True while there is a row to read.
        bool step() {
            int rc = sqlite3_step(stmt_);
            if (rc == SQLITE_ROW) return true;
            if (rc == SQLITE_DONE) return false;
            throw store_error(std::string("sqlite: ") + sqlite3_errmsg(db_) +
                              " in: " + sqlite3_sql(stmt_));
        }
        // Runs a statement without result rows; returns rows changed.
        std::int64_t run() {
            while (step()) {
            }
            return sqlite3_changes64(db_);
        }

        std::string text(int col) {
            auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
            return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                     : std::string();
        }
        std::int64_t i64(int col) { return sqlite3_column_int64(stmt_, col); }
        double dbl(int col) { return sqlite3_column_double(stmt_, col); }

      private:
        void check(int rc) {
            if (rc != SQLITE_OK) {
                throw store_error(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
            }
        }
        sqlite3* db_;
        sqlite3_stmt* stmt_;
    };

    // BEGIN IMMEDIATE takes the write lock up front, so a transaction never
    // fails half-way on a lock upgrade; rolls back unless committed.
    class transaction {
      public:
        explicit transaction(sqlite_store& s) : s_(s) { query(s_, "BEGIN IMMEDIATE").run(); }
        ~transaction() {
            if (!done_) {
                try {
                    query(s_, "ROLLBACK").run();
                } catch (const store_error&) {
                    // Nothing useful to do: SQLite already rolled back on the error.
                }
            }
        }
        void commit() {
            query(s_, "COMMIT").run();
            done_ = true;
        }

      private:
        sqlite_store& s_;
        bool done_ = false;
    };

    sqlite3_stmt* prepare(const std::string& sql) {
        auto it = cache_.find(sql);
        if (it != cache_.end()) return it->second;
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            throw store_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_) +
                              " in: " + sql);
        }
        cache_.emplace(sql, stmt);
        return stmt;
    }

    void exec_script(const char* sql, const char* what) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            throw store_error(std::string("sqlite: cannot ") + what + ": " + msg);
        }
    }

    void migrate() {
        exec_script(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
            "create schema_version");
        transaction tx(*this);
        std::int64_t current = 0;
        {
            query q(*this, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
            if (q.step()) current = q.i64(0);
        }
        const auto known = static_cast<std::int64_t>(std::size(migrations));
        if (current > known) {
            throw store_error("database schema version " + std::to_string(current) +
                              " is newer than this parley (" + std::to_string(known) + ")");
        }
        for (std::int64_t v = current + 1; v <= known; ++v) {
            exec_script(migrations[v - 1], ("apply migration " + std::to_string(v)).c_str());
            query q(*this,
                    "INSERT INTO schema_version (version, applied_at) "
                    "VALUES (?, CAST(strftime('%s', 'now') AS INTEGER) * 1000)");
            q.bind(v);
            q.run();
        }
        tx.commit();
    }

    static std::string conversation_by_id_sql() {
        return std::string("SELECT ") + conversation_columns + " FROM conversations WHERE id = ?";
    }

    // The read-only connection of find_conversation (see there).
    void open_reader(const std::string& path) {
        const std::string what = "cannot open a reader of " + path + ": ";
        if (sqlite3_open_v2(path.c_str(), &rdb_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK)
            throw store_error(what + (rdb_ ? sqlite3_errmsg(rdb_) : "out of memory"));
        sqlite3_busy_timeout(rdb_, 5000);
        // A map of its own (the kernel shares the file's pages with the
        // writer's) and a small page cache: it reads one row at a time, and
        // only while the writer's lock is taken.
        if (sqlite3_exec(rdb_, "PRAGMA mmap_size=268435456; PRAGMA cache_size=-8192;", nullptr,
                         nullptr, nullptr) != SQLITE_OK)
            throw store_error(what + sqlite3_errmsg(rdb_));
        const std::string select = conversation_by_id_sql();
        if (sqlite3_prepare_v3(rdb_, select.c_str(), static_cast<int>(select.size()),
                               SQLITE_PREPARE_PERSISTENT, &read_conversation_,
                               nullptr) != SQLITE_OK)
            throw store_error(what + sqlite3_errmsg(rdb_));
    }

    // The checkpointer's own connection copies committed WAL frames into the
    // database every 25 ms without waiting for the writer (PASSIVE). Under
    // steady writes such a pass never quite completes (new frames arrive while
    // it copies), and SQLite only rewinds the WAL after one that did: without
    // a rewind the WAL grew by ~20 KB per bot turn and lookups slowed until the
    // server fell behind. So each pass ends with a second PASSIVE checkpoint
    // under the store's mutex: the writer is paused, only the frames committed
    // during the first pass are left to copy, the checkpoint completes and the
    // next commit starts the WAL over (which stays at ~25 ms of writes). That
    // pause is mostly its two fsyncs (WAL before, database after: what keeps a
    // power cut from corrupting the file), ~4 ms at 1,500 turns/s. The earlier
    // design let the WAL reach 16 MiB and had the writer finish the job after
    // a commit: rarer but longer stalls, bot p99 17 / 23 ms at 1,000 / 1,500
    // turns/s against 3.9 / 9.4 now (BENCHMARKS.md). A RESTART checkpoint from
    // this thread stalled the writer in SQLite's busy handler instead.
    // Every 25 ms: the pause grows with the frames left for it. On a quiet
    // machine, bot p99 at 3,000 / 4,000 / 5,000 turns/s was 47.9 / 45.1 / - ms
    // every 200 ms, 14.0 / 28.3 / - every 50, 8.2-9.1 / 14.0-15.3 / 21.8-26.9
    // every 25 and 64.7 at 4,000/s every 10 (the fsyncs come too often). A
    // longer interval saves CPU (a page rewritten meanwhile is copied once):
    // 200 ms measured ~10 % less per bot reply than 50 on a contended machine.
    //
    // A writer that commits in a tight loop (a bulk import, the tests) leaves
    // no gap for that lock, and on a saturated machine this nice-10 thread may
    // hardly run at all. So past 4096 frames the writer finishes the job
    // itself, in the commit that crossed them (the WAL hook in the
    // constructor), as the earlier design always did. (A flag set by this
    // thread, or SQLite's own PASSIVE autocheckpoint, let the WAL reach
    // 150-220 MB in the WAL-bound test on a loaded machine.)
    void run_checkpoints(const std::string& path) {
        sqlite3* cdb = nullptr;
        if (sqlite3_open_v2(path.c_str(), &cdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK) {
            sqlite3_close_v2(cdb);
            cdb = nullptr;  // the writer's own close still checkpoints
        }
        if (cdb) {
            sqlite3_busy_timeout(cdb, 50);
            // A connection learns that the file is in WAL mode on its first
            // read; until then a checkpoint call does nothing.
            sqlite3_exec(cdb, "PRAGMA schema_version", nullptr, nullptr, nullptr);
        }
        // Background work: on a busy core the io threads come first (Linux
        // applies a thread's nice value to that thread alone).
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
        std::unique_lock lock(checkpoint_mu_);
        while (cdb && !checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(25),
                                               [this] { return stopping_; })) {
            lock.unlock();
            // Catch up outside the lock until a pass is short, so that little
            // is left for the part that pauses the writer.
            int frames = 0;
            for (int pass = 0; pass < 3 && !writer_checkpointing_; ++pass) {
                const auto started = std::chrono::steady_clock::now();
                sqlite3_wal_checkpoint_v2(cdb, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames,
                                          nullptr);
                if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1))
                    break;
            }
            // Between two store calls, not behind a queue of them: blocking
            // here would stop these passes (and the WAL's bound) whenever the
            // writer is busy.
            for (int attempt = 0; frames > 0 && attempt < 10; ++attempt) {
                std::unique_lock writer_paused(mu_, std::try_to_lock);
                if (writer_paused.owns_lock()) {
                    writer_paused_.store(true, std::memory_order_relaxed);
                    sqlite3_wal_checkpoint_v2(cdb, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                              nullptr);
                    writer_paused_.store(false, std::memory_order_relaxed);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
            lock.lock();
        }
        sqlite3_close_v2(cdb);
    }

    void close_db() {
        if (checkpointer_.joinable()) {
            {
                std::lock_guard lock(checkpoint_mu_);
                stopping_ = true;
            }
            checkpoint_cv_.notify_all();
            checkpointer_.join();
        }
        for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
        cache_.clear();
        sqlite3_finalize(read_conversation_);
        read_conversation_ = nullptr;
        if (rdb_) sqlite3_close_v2(rdb_);
        rdb_ = nullptr;
        if (db_) sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    static conversation_record read_conversation(query& q) {
        conversation_record r;
        r.id = q.text(0);
        r.token_hash = q.text(1);
        r.user_id = q.text(2);
        r.email = q.text(3);
        r.name = q.text(4);
        r.locale = q.text(5);
        r.origin = q.text(6);
        r.status = status_from_name(q.text(7)).value_or(conversation_status::bot);
        r.agent_id = q.text(8);
        r.handoff_reason = q.text(9);
        r.intent = q.text(10);
        r.sentiment = q.dbl(11);
        r.dialog_state = q.text(12);
        r.created_at = q.i64(13);
        r.updated_at = q.i64(14);
        r.queued_at = q.i64(15);
        r.claimed_at = q.i64(16);
        r.closed_at = q.i64(17);
        r.last_seq = q.i64(18);
        r.csat_score = static_cast<int>(q.i64(19));
        r.csat_comment = q.text(20);
        return r;
    }

    static message_record read_message(query& q) {
        message_record r;
        r.conversation_id = q.text(0);
        r.seq = q.i64(1);
        r.client_id = q.text(2);
        r.author = author_from_name(q.text(3)).value_or(author_kind::system);
        r.agent_id = q.text(4);
        r.text = q.text(5);
        r.payload = q.text(6);
        r.created_at = q.i64(7);
        return r;
    }

    static agent_record read_agent(query& q) {
        agent_record r;
        r.id = q.text(0);
        r.email = q.text(1);
        r.name = q.text(2);
        r.password_hash = q.text(3);
        r.role = role_from_name(q.text(4));
        r.created_at = q.i64(5);
        return r;
    }

    static ticket_record read_ticket(query& q) {
        ticket_record r;
        r.id = q.i64(0);
        r.conversation_id = q.text(1);
        r.user_id = q.text(2);
        r.email = q.text(3);
        r.message = q.text(4);
        r.status = ticket_status_from_name(q.text(5)).value_or(ticket_status::open);
        r.created_at = q.i64(6);
        r.due_at = q.i64(7);
        r.answer = q.text(8);
        r.answered_by = q.text(9);
        r.answered_at = q.i64(10);
        return r;
    }

    static config_version_record read_config_version(query& q) {
        return {q.i64(0), q.text(1), q.i64(2), q.text(3), q.text(4), q.text(5)};
    }

    std::optional<config_version_record> one_config(
        const std::string& sql, std::variant<std::monostate, std::int64_t, std::string> arg) {
        std::lock_guard lock(mu_);
        query q(*this, sql);
        if (auto* i = std::get_if<std::int64_t>(&arg)) q.bind(*i);
        if (auto* t = std::get_if<std::string>(&arg)) q.bind(*t);
        if (!q.step()) return std::nullopt;
        return read_config_version(q);
    }

    static outbox_record read_outbox(query& q) {
        outbox_record r;
        r.id = q.i64(0);
        r.event_id = q.text(1);
        r.event = q.text(2);
        r.url = q.text(3);
        r.payload = q.text(4);
        r.state = outbox_state_from(q.text(5));
        r.attempts = static_cast<int>(q.i64(6));
        r.created_at = q.i64(7);
        r.next_attempt_at = q.i64(8);
        r.delivered_at = q.i64(9);
        r.last_status = static_cast<int>(q.i64(10));
        r.last_error = q.text(11);
        return r;
    }

    std::mutex mu_;
    sqlite3* db_ = nullptr;
    std::mutex checkpoint_mu_;
    std::condition_variable checkpoint_cv_;
    bool stopping_ = false;
    std::thread checkpointer_;
    std::atomic<bool> writer_checkpointing_{false};  // the WAL hook's fallback is waiting
    std::atomic<bool> writer_paused_{false};         // the checkpointer holds mu_ for its pass
    // The bot path's read-only connection (find_conversation), under read_mu_.
    std::mutex read_mu_;
    sqlite3* rdb_ = nullptr;
    sqlite3_stmt* read_conversation_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& dir) {
    return std::make_unique<sqlite_store>(dir);
}

}  // namespace parley::server
