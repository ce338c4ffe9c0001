#pragma once
// Durable state of a deployment: conversations and their messages, agents and
// their sign-in sessions, tickets, canned replies. Two implementations share
// this interface: SQLite (one file under --data, the embedded default) and
// PostgreSQL (--db postgresql://…, shared by several `parley serve` nodes).
//
// Every method is synchronous and safe to call from several threads at once.
// Every write is committed before the method returns: the server acknowledges
// a message to its sender only after append_message() returned, so a kill -9
// right after an ack loses nothing.
//
// Times are milliseconds since the Unix epoch (UTC). Text is UTF-8 and
// already PII-masked by the caller where the config asks for it.
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

class store_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// bot: the core answers; queued: waiting for an agent; agent: an agent owns
// it; closed: finished (CSAT may still arrive).
enum class conversation_status { bot, queued, agent, closed };
std::string_view status_name(conversation_status status);
std::optional<conversation_status> status_from_name(std::string_view name);

struct conversation_record {
    std::string id;          // random, URL-safe
    std::string token_hash;  // SHA-256 (hex) of the shopper's session token
    std::string user_id;     // verified shopper identity ("" = anonymous)
    std::string email;  // shopper email when known (masked rules do not apply: needed for tickets)
    std::string name;
    std::string locale;  // "en" | "zh"
    std::string origin;  // page origin that opened it
    conversation_status status = conversation_status::bot;
    std::string agent_id;        // owner while status == agent ("" otherwise)
    std::string handoff_reason;  // core handoff reason name ("" = none)
    std::string intent;          // last FAQ/flow id the core matched
    double sentiment = 0.0;      // last frustration score (0..1)
    std::string dialog_state;    // parley::session JSON
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t queued_at = 0;  // 0 = never queued
    std::int64_t claimed_at = 0;
    std::int64_t closed_at = 0;
    std::int64_t last_seq = 0;  // seq of the newest message
    int csat_score = 0;         // 1..5, 0 = none
    std::string csat_comment;
};

struct new_conversation {
    std::string token_hash;
    std::string user_id;
    std::string email;
    std::string name;
    std::string locale;
    std::string origin;
    std::string dialog_state;
    std::int64_t now = 0;
};

// Who wrote a message. `note` is an agent's internal note: never sent to the
// shopper. `system` is a status line ("Anna joined", "conversation closed").
enum class author_kind { shopper, bot, agent, system, note };
std::string_view author_name(author_kind author);
std::optional<author_kind> author_from_name(std::string_view name);

struct message_record {
    std::string conversation_id;
    std::int64_t seq = 0;   // 1, 2, 3… per conversation, gap-free, assigned by the store
    std::string client_id;  // sender's id for idempotent retries ("" = none)
    author_kind author = author_kind::shopper;
    std::string agent_id;  // author agent (agent/note)
    std::string text;
    std::string payload;  // JSON object with extra data (bot reply details), "" = none
    std::int64_t created_at = 0;
};

struct new_message {
    std::string conversation_id;
    std::string client_id;  // non-empty: a second append with the same id returns the first
    author_kind author = author_kind::shopper;
    std::string agent_id;
    std::string text;
    std::string payload;
    std::int64_t now = 0;
};

struct append_result {
    message_record message;
    bool duplicate = false;  // client_id seen before: `message` is the stored original
};

enum class agent_role { agent, admin };

struct agent_record {
    std::string id;
    std::string email;  // unique, stored lower-case
    std::string name;
    std::string password_hash;  // argon2id string (libsodium crypto_pwhash_str)
    agent_role role = agent_role::agent;
    std::int64_t created_at = 0;
};

struct auth_session_record {
    std::string token_hash;  // SHA-256 (hex) of the cookie value
    std::string agent_id;
    std::string csrf_token;  // sent back in X-CSRF-Token on state-changing requests
    std::int64_t expires_at = 0;
};

enum class ticket_status { open, answered, closed };
std::string_view ticket_status_name(ticket_status status);
std::optional<ticket_status> ticket_status_from_name(std::string_view name);

struct ticket_record {
    std::int64_t id = 0;          // assigned by the store
    std::string conversation_id;  // "" if none
    std::string user_id;
    std::string email;
    std::string message;
    ticket_status status = ticket_status::open;
    std::int64_t created_at = 0;
    std::int64_t due_at = 0;  // SLA
    std::string answer;
    std::string answered_by;  // agent id
    std::int64_t answered_at = 0;
};

struct canned_reply {
    std::int64_t id = 0;
    std::string title;
    std::string text;
};

struct conversation_filter {
    std::optional<conversation_status> status;
    std::string agent_id;    // "" = any
    std::int64_t since = 0;  // created_at >= since (0 = any)
    std::int64_t until = 0;  // created_at < until (0 = any)
    std::size_t limit = 200;
};

// One webhook event for one receiver, kept until delivered (the outbox: a
// restart or a kill -9 loses none; every node delivers from it).
enum class outbox_state { pending, delivered, failed };
std::string_view outbox_state_name(outbox_state state);
struct outbox_record {
    std::int64_t id = 0;   // assigned by the store
    std::string event_id;  // the same for every receiver and every retry (receivers dedupe on it)
    std::string event;     // "conversation.closed", …
    std::string url;       // the receiver
    std::string payload;   // the JSON body, exactly as signed and sent
    outbox_state state = outbox_state::pending;
    int attempts = 0;
    std::int64_t created_at = 0;
    std::int64_t next_attempt_at = 0;
    std::int64_t delivered_at = 0;
    int last_status = 0;     // HTTP status of the last attempt (0 = none / no answer)
    std::string last_error;  // why the last attempt failed ("" = it did not)
};

// The demo shop's own orders (served by `parley serve` when the config asks
// for the demo backend): one JSON document per order number.
struct demo_order_record {
    std::string number;
    std::string email;     // lower-case
    std::string document;  // JSON object
    std::int64_t updated_at = 0;
};

// One published merchant config. Versions are never changed or deleted:
// publishing and rolling back both add one.
struct config_version_record {
    std::int64_t version = 0;  // 1, 2, 3… assigned by the store
    std::string config;        // the JSON text as published
    std::int64_t published_at = 0;
    std::string published_by;  // admin email, or "startup" for the --config file
    std::string note;
    // Where it came from: "admin", "rollback:<n>", or "file:<sha256>" for a
    // config file read at startup (published again only when the file changes).
    std::string source;
};

// What the group commit of bot turns (turn_committer) needs of a store.
class turn_store {
  public:
    virtual ~turn_store() = default;

    // A bot turn's dialog state, stored with its messages.
    struct dialog_update {
        std::string state;
        std::string intent;
        double sentiment = 0.0;
    };
    struct turn_result {
        append_result shopper;
        std::vector<message_record> replies;
    };
    // Group commit: several turns, each exactly as store::append_turn would
    // store it (in this order), committed together. One entry per turn comes
    // back: its result, or the exception its append_turn would have thrown (a
    // deleted conversation fails that turn alone). store's default runs
    // append_turn per turn; a store with one writer (SQLite) commits the
    // batch at once, one WAL write for pages the turns share (the
    // conversations' table and index leaves) and one commit's overhead
    // instead of one per turn.
    struct turn_request {
        new_message shopper;
        std::vector<new_message> replies;
        std::optional<dialog_update> dialog;
    };
    struct turn_outcome {
        turn_result result;
        std::exception_ptr error;  // set: the turn was not stored
    };
    virtual std::vector<turn_outcome> append_turns(const std::vector<turn_request>& turns) = 0;
    // Whether append_turns commits a batch at once (else the server commits
    // each turn where it happens: PostgreSQL's io threads run them in parallel).
    virtual bool batches_turns() const { return false; }
    // Whether a write would wait now for a pass of background maintenance
    // (SQLite's checkpointer holding the writer for its fsyncs): the group
    // commit then lets the io thread go on reading and answering, and
    // commits once it is over, instead of blocking the thread meanwhile.
    virtual bool writer_paused() const { return false; }
};

class store : public turn_store {
  public:
    // --- conversations ---------------------------------------------------
    virtual conversation_record create_conversation(const new_conversation& c) = 0;
    virtual std::optional<conversation_record> find_conversation(std::string_view id) = 0;
    // The newest conversation opened with this token.
    virtual std::optional<conversation_record> find_conversation_by_token(
        std::string_view token_hash) = 0;
    // Newest first.
    virtual std::vector<conversation_record> conversations_for_user(std::string_view user_id) = 0;
    // Newest first (queued: oldest queued_at first, the order agents take them).
    virtual std::vector<conversation_record> list_conversations(const conversation_filter& f) = 0;

    // The core's state after a bot turn.
    virtual void save_dialog(std::string_view id, std::string_view dialog_state,
                             std::string_view intent, double sentiment, std::int64_t now) = 0;
    virtual void set_identity(std::string_view id, std::string_view user_id, std::string_view email,
                              std::string_view name, std::int64_t now) = 0;
    // bot → queued. False if it was not in `bot` status (already queued, owned or closed).
    virtual bool enqueue(std::string_view id, std::string_view reason, std::int64_t now) = 0;
    // queued → agent owned by agent_id. False if someone else claimed it first
    // (exactly one of two concurrent claims succeeds, across nodes too).
    virtual bool claim(std::string_view id, std::string_view agent_id, std::int64_t now) = 0;
    // agent → agent with another owner; only the current owner may transfer.
    virtual bool transfer(std::string_view id, std::string_view from_agent,
                          std::string_view to_agent, std::int64_t now) = 0;
    // any → closed. False if already closed.
    virtual bool close(std::string_view id, std::int64_t now) = 0;
    // closed/any → bot again (shopper writes after a close: a fresh bot turn).
    virtual void reopen(std::string_view id, std::int64_t now) = 0;
    virtual bool set_csat(std::string_view id, int score, std::string_view comment,
                          std::int64_t now) = 0;

    // --- messages --------------------------------------------------------
    // Assigns the next seq atomically (concurrent appends from two nodes get
    // distinct, gap-free seqs) and bumps the conversation's last_seq/updated_at.
    virtual append_result append_message(const new_message& m) = 0;
    // A whole bot turn in ONE transaction (a third of the disk writes of three
    // calls): the shopper's message (idempotent by client_id like
    // append_message) and, only if it was new, the bot's replies and the
    // dialog state. On a duplicate nothing else is written and `replies` is empty.
    virtual turn_result append_turn(const new_message& shopper,
                                    const std::vector<new_message>& replies,
                                    const std::optional<dialog_update>& dialog) = 0;
    // The default group commit (turn_store): append_turn per turn.
    std::vector<turn_outcome> append_turns(const std::vector<turn_request>& turns) override;
    // seq > after_seq, oldest first, at most `limit`.
    virtual std::vector<message_record> messages_after(std::string_view conversation_id,
                                                       std::int64_t after_seq,
                                                       std::size_t limit = 1000) = 0;

    // --- agents and sign-in ----------------------------------------------
    // Inserts or, if the email exists, leaves it alone; returns the stored record.
    virtual agent_record ensure_agent(const agent_record& a) = 0;
    virtual std::optional<agent_record> find_agent_by_email(std::string_view email) = 0;
    virtual std::optional<agent_record> find_agent(std::string_view id) = 0;
    virtual std::vector<agent_record> list_agents() = 0;
    virtual void create_auth_session(const auth_session_record& s) = 0;
    virtual std::optional<auth_session_record> find_auth_session(std::string_view token_hash,
                                                                 std::int64_t now) = 0;
    virtual void delete_auth_session(std::string_view token_hash) = 0;

    // --- tickets ---------------------------------------------------------
    virtual ticket_record create_ticket(const ticket_record& t) = 0;  // id ignored, assigned
    virtual std::optional<ticket_record> find_ticket(std::int64_t id) = 0;
    virtual std::vector<ticket_record> list_tickets(std::optional<ticket_status> status,
                                                    std::size_t limit = 200) = 0;
    virtual std::vector<ticket_record> tickets_for_conversation(
        std::string_view conversation_id) = 0;
    virtual bool answer_ticket(std::int64_t id, std::string_view answer, std::string_view agent_id,
                               std::int64_t now) = 0;
    virtual bool set_ticket_status(std::int64_t id, ticket_status status, std::int64_t now) = 0;

    // --- canned replies --------------------------------------------------
    virtual std::vector<canned_reply> list_canned() = 0;
    virtual canned_reply add_canned(std::string_view title, std::string_view text) = 0;

    // --- config versions ---------------------------------------------------
    // Stores the next version number atomically (two nodes publishing at once
    // get two versions).
    virtual config_version_record add_config_version(const config_version_record& v) = 0;
    virtual std::optional<config_version_record> latest_config_version() = 0;
    virtual std::optional<config_version_record> find_config_version(std::int64_t version) = 0;
    // The newest version whose source starts with `prefix` ("file:").
    virtual std::optional<config_version_record> latest_config_from(std::string_view prefix) = 0;
    // Newest first, without the config text.
    virtual std::vector<config_version_record> list_config_versions(std::size_t limit = 100) = 0;

    // --- webhook outbox ----------------------------------------------------
    virtual void add_outbox(const std::vector<outbox_record>& events) = 0;  // ids assigned
    // Takes up to `limit` pending entries due at `now` (oldest first) and
    // leases them until now + lease_ms, so that no other node sends them
    // meanwhile; attempts is counted up. A node that dies mid-delivery leaves
    // the lease to run out: the entry is sent again (at least once).
    virtual std::vector<outbox_record> claim_outbox(std::int64_t now, std::int64_t lease_ms,
                                                    std::size_t limit) = 0;
    // The result of one attempt: delivered, or pending again at next_attempt_at,
    // or failed for good.
    virtual void finish_outbox(std::int64_t id, outbox_state state, int status,
                               std::string_view error, std::int64_t next_attempt_at,
                               std::int64_t now) = 0;
    // Newest first: the merchant's delivery log.
    virtual std::vector<outbox_record> list_outbox(std::size_t limit = 200) = 0;

    // --- demo shop orders --------------------------------------------------
    // Inserts the orders that are not there yet; existing ones keep their state.
    virtual void seed_demo_orders(const std::vector<demo_order_record>& orders) = 0;
    virtual std::optional<demo_order_record> find_demo_order(std::string_view number) = 0;
    virtual void save_demo_order(const demo_order_record& order) = 0;

    // --- privacy ---------------------------------------------------------
    // Deletes conversations (messages, tickets with them) last updated before
    // `cutoff`; returns how many conversations went.
    virtual std::size_t delete_older_than(std::int64_t cutoff) = 0;
    // GDPR erasure: everything of this verified user, or of the conversation
    // with this token hash (anonymous shopper). Returns conversations deleted.
    virtual std::size_t delete_shopper(std::string_view user_id, std::string_view token_hash) = 0;

    // --- health ----------------------------------------------------------
    virtual bool healthy() = 0;
    virtual std::string kind() const = 0;  // "sqlite" | "postgresql"

    // --- webhook events ------------------------------------------------------
    // Who wants which events. The store writes an event's outbox entries in
    // the SAME transaction as the change it reports (conversation started,
    // handed off, closed, CSAT, ticket created or answered), so a crash can
    // never keep the change and lose the event.
    struct webhook_receiver {
        std::string url;
        std::vector<std::string> events;  // empty = all
    };
    void set_webhook_receivers(std::vector<webhook_receiver> receivers);

  protected:
    bool wants_event(std::string_view event) const;
    // The entries of one event for the current receivers (empty if none wants
    // it). `data_json` is the event's "data" object, already serialized.
    std::vector<outbox_record> outbox_entries(std::string_view event, const std::string& data_json,
                                              std::int64_t now) const;

  private:
    mutable std::mutex receivers_mutex_;
    std::vector<webhook_receiver> receivers_;
};

// Opens (creating and migrating as needed) `<dir>/parley.db` in WAL mode.
std::unique_ptr<store> open_sqlite_store(const std::string& dir);
// Connects to `url` (postgresql://…) with a small connection pool, migrating
// the schema (in a transaction guarded by an advisory lock, so two nodes
// starting together do not race).
std::unique_ptr<store> open_postgres_store(const std::string& url);

}  // namespace parley::server
