// The store contract, run against both backends: every STORE_TEST body runs
// once on SQLite (a temp directory) and once on PostgreSQL (a fresh database
// in the throwaway test cluster; skipped with a MESSAGE if there is none).
#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "postgres_fixture.hpp"
#include "store.hpp"

#include <nlohmann/json.hpp>

using namespace parley::server;

namespace {

// Where a test's data lives; open() gives another handle on the same data
// (a reopened process, or a second node).
struct backend {
    virtual ~backend() = default;
    virtual std::unique_ptr<store> open() = 0;
};

struct temp_dir {
    temp_dir() {
        char tmpl[] = "/tmp/parley-store-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string path;
};

struct sqlite_backend : backend {
    temp_dir dir;
    std::unique_ptr<store> open() override { return open_sqlite_store(dir.path + "/data"); }
};

struct postgres_backend : backend {
    explicit postgres_backend(parley::test::postgres_fixture& pg) : url(pg.create_database()) {}
    std::unique_ptr<store> open() override { return open_postgres_store(url); }
    std::string url;
};

new_conversation convo(std::int64_t now, std::string token = "tok", std::string user = "") {
    new_conversation c;
    c.token_hash = std::move(token);
    c.user_id = std::move(user);
    c.locale = "en";
    c.origin = "https://shop.example";
    c.dialog_state = "{}";
    c.now = now;
    return c;
}

new_message msg(const std::string& conversation, std::string text, std::int64_t now,
                std::string client_id = "", author_kind author = author_kind::shopper) {
    new_message m;
    m.conversation_id = conversation;
    m.client_id = std::move(client_id);
    m.author = author;
    m.text = std::move(text);
    m.now = now;
    return m;
}

}  // namespace

#define STORE_TEST(title, fn)                              \
    static void fn(backend& b);                            \
    TEST_CASE("sqlite store: " title) {                    \
        sqlite_backend b;                                  \
        fn(b);                                             \
    }                                                      \
    TEST_CASE("postgres store: " title) {                  \
        if (auto* pg = parley::test::postgres_or_skip()) { \
            postgres_backend b(*pg);                       \
            fn(b);                                         \
        }                                                  \
    }                                                      \
    static void fn(backend& b)

TEST_CASE("store enum names round-trip") {
    for (auto s : {conversation_status::bot, conversation_status::queued,
                   conversation_status::agent, conversation_status::closed}) {
        CHECK(status_from_name(status_name(s)) == s);
    }
    for (auto a : {author_kind::shopper, author_kind::bot, author_kind::agent, author_kind::system,
                   author_kind::note}) {
        CHECK(author_from_name(author_name(a)) == a);
    }
    for (auto t : {ticket_status::open, ticket_status::answered, ticket_status::closed}) {
        CHECK(ticket_status_from_name(ticket_status_name(t)) == t);
    }
    CHECK(status_name(conversation_status::queued) == "queued");
    CHECK(author_name(author_kind::note) == "note");
    CHECK_FALSE(status_from_name("Queued"));
    CHECK_FALSE(author_from_name(""));
    CHECK_FALSE(ticket_status_from_name("pending"));
}

STORE_TEST("create and find conversations", check_create_find) {
    auto s = b.open();
    CHECK(s->healthy());
    auto a = s->create_conversation(convo(1000, "tok-a", "u-1"));
    auto a2 = s->create_conversation(convo(2000, "tok-a", "u-1"));
    auto other = s->create_conversation(convo(1500, "tok-b"));
    CHECK(a.id.size() == 22);
    CHECK(a.id.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(a.id != a2.id);
    CHECK(a.status == conversation_status::bot);
    CHECK(a.created_at == 1000);

    auto found = s->find_conversation(a.id);
    REQUIRE(found);
    CHECK(found->token_hash == "tok-a");
    CHECK(found->user_id == "u-1");
    CHECK(found->locale == "en");
    CHECK(found->origin == "https://shop.example");
    CHECK(found->dialog_state == "{}");
    CHECK(found->status == conversation_status::bot);
    CHECK(found->last_seq == 0);
    CHECK(found->updated_at == 1000);
    CHECK_FALSE(s->find_conversation("nope"));

    auto by_token = s->find_conversation_by_token("tok-a");
    REQUIRE(by_token);
    CHECK(by_token->id == a2.id);  // the newest
    CHECK_FALSE(s->find_conversation_by_token("tok-zzz"));

    auto mine = s->conversations_for_user("u-1");
    REQUIRE(mine.size() == 2);
    CHECK(mine[0].id == a2.id);
    CHECK(mine[1].id == a.id);
    CHECK(s->conversations_for_user("").empty());  // anonymous is not an identity
    (void)other;

    const double sentiment = 0.1 + 0.2;  // not exactly representable in few digits
    s->save_dialog(a.id, R"({"flow":"returns"})", "returns", sentiment, 3000);
    s->set_identity(a.id, "", "ann@example.com", "Ann", 3100);
    auto after = s->find_conversation(a.id);
    REQUIRE(after);
    CHECK(after->dialog_state == R"({"flow":"returns"})");
    CHECK(after->intent == "returns");
    CHECK(after->sentiment == sentiment);
    CHECK(after->user_id == "u-1");  // empty field left alone
    CHECK(after->email == "ann@example.com");
    CHECK(after->name == "Ann");
    CHECK(after->updated_at == 3100);

    // Text round-trips byte for byte, quotes and CJK included.
    auto z = s->create_conversation(convo(4000, "tok-'\"; DROP TABLE conversations; --"));
    s->set_identity(z.id, "u-'2", "", "王小明", 4001);
    auto zf = s->find_conversation_by_token("tok-'\"; DROP TABLE conversations; --");
    REQUIRE(zf);
    CHECK(zf->name == "王小明");
    CHECK(zf->user_id == "u-'2");
}

STORE_TEST("list conversations: filters and order", check_list) {
    auto s = b.open();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(s->create_conversation(convo(1000 + i * 100)).id);
    // Queued in the order 3, 1, 4 (by queued_at).
    CHECK(s->enqueue(ids[3], "requested", 5000));
    CHECK(s->enqueue(ids[1], "frustration", 5100));
    CHECK(s->enqueue(ids[4], "requested", 5200));
    CHECK(s->claim(ids[4], "agent-1", 6000));

    auto all = s->list_conversations({});
    REQUIRE(all.size() == 5);
    for (int i = 0; i < 5; ++i) CHECK(all[static_cast<std::size_t>(i)].id == ids[4 - i]);

    conversation_filter queued;
    queued.status = conversation_status::queued;
    auto q = s->list_conversations(queued);
    REQUIRE(q.size() == 2);
    CHECK(q[0].id == ids[3]);  // oldest queued_at first
    CHECK(q[1].id == ids[1]);
    CHECK(q[1].handoff_reason == "frustration");
    CHECK(q[1].queued_at == 5100);

    conversation_filter mine;
    mine.agent_id = "agent-1";
    auto m = s->list_conversations(mine);
    REQUIRE(m.size() == 1);
    CHECK(m[0].id == ids[4]);
    CHECK(m[0].status == conversation_status::agent);

    conversation_filter window;
    window.since = 1100;
    window.until = 1300;
    auto w = s->list_conversations(window);
    REQUIRE(w.size() == 2);
    CHECK(w[0].id == ids[2]);
    CHECK(w[1].id == ids[1]);

    conversation_filter limited;
    limited.limit = 2;
    auto l = s->list_conversations(limited);
    REQUIRE(l.size() == 2);
    CHECK(l[0].id == ids[4]);

    conversation_filter none;
    none.status = conversation_status::closed;
    CHECK(s->list_conversations(none).empty());
}

STORE_TEST("append: concurrent appends from two nodes get gap-free seqs", check_concurrent_append) {
    auto node_a = b.open();
    auto node_b = b.open();
    auto c = node_a->create_conversation(convo(1000));
    constexpr int threads = 4;
    constexpr int per_thread = 200;
    std::vector<std::vector<std::int64_t>> seqs(threads);
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            store& s = t % 2 == 0 ? *node_a : *node_b;
            for (int i = 0; i < per_thread; ++i) {
                try {
                    auto r = s.append_message(
                        msg(c.id, std::to_string(t) + ":" + std::to_string(i), 2000 + i));
                    if (r.duplicate) ++failures;
                    seqs[static_cast<std::size_t>(t)].push_back(r.message.seq);
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(failures == 0);

    std::set<std::int64_t> all;
    for (const auto& v : seqs) {
        CHECK(std::is_sorted(v.begin(), v.end()));  // each thread sees its own seqs grow
        all.insert(v.begin(), v.end());
    }
    CHECK(all.size() == threads * per_thread);
    CHECK(*all.begin() == 1);
    CHECK(*all.rbegin() == threads * per_thread);

    auto stored = node_b->messages_after(c.id, 0, 10000);
    REQUIRE(stored.size() == threads * per_thread);
    for (std::size_t i = 0; i < stored.size(); ++i) CHECK(stored[i].seq == std::int64_t(i + 1));
    // Each thread's messages are stored in the order it sent them.
    std::vector<int> next(threads, 0);
    for (const auto& m : stored) {
        const int t = m.text[0] - '0';
        CHECK(m.text ==
              std::to_string(t) + ":" + std::to_string(next[static_cast<std::size_t>(t)]));
        ++next[static_cast<std::size_t>(t)];
    }
    auto conv = node_a->find_conversation(c.id);
    REQUIRE(conv);
    CHECK(conv->last_seq == threads * per_thread);
}

STORE_TEST("append: client_id makes retries idempotent", check_idempotent) {
    auto s = b.open();
    auto c = s->create_conversation(convo(1000));
    auto first = s->append_message(msg(c.id, "where is my order?", 2000, "c-1"));
    CHECK_FALSE(first.duplicate);
    CHECK(first.message.seq == 1);
    auto retry = s->append_message(msg(c.id, "a different text", 2500, "c-1"));
    CHECK(retry.duplicate);
    CHECK(retry.message.seq == 1);
    CHECK(retry.message.text == "where is my order?");
    CHECK(retry.message.created_at == 2000);
    CHECK(retry.message.client_id == "c-1");
    CHECK(s->find_conversation(c.id)->last_seq == 1);

    // Empty client_ids are never deduplicated.
    CHECK(s->append_message(msg(c.id, "hi", 3000)).message.seq == 2);
    CHECK(s->append_message(msg(c.id, "hi", 3000)).message.seq == 3);
    // The same client_id in another conversation is a different message.
    auto other = s->create_conversation(convo(1000));
    auto o = s->append_message(msg(other.id, "x", 3000, "c-1"));
    CHECK_FALSE(o.duplicate);
    CHECK(o.message.seq == 1);

    // Eight concurrent retries of one message through two nodes: stored once.
    auto s2 = b.open();
    std::atomic<int> originals{0};
    std::atomic<int> errors{0};
    std::vector<std::int64_t> got(8);
    std::vector<std::thread> pool;
    for (int t = 0; t < 8; ++t) {
        pool.emplace_back([&, t] {
            try {
                auto r = (t % 2 ? *s : *s2).append_message(msg(c.id, "retry", 4000, "c-race"));
                if (!r.duplicate) ++originals;
                got[static_cast<std::size_t>(t)] = r.message.seq;
            } catch (const std::exception&) {
                ++errors;
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(errors == 0);
    CHECK(originals == 1);
    for (auto seq : got) CHECK(seq == 4);
    CHECK(s->find_conversation(c.id)->last_seq == 4);

    CHECK_THROWS_AS(s->append_message(msg("no-such-conversation", "x", 1)), store_error);
}

STORE_TEST("messages_after pages and keeps every field", check_messages_after) {
    auto s = b.open();
    auto c = s->create_conversation(convo(1000));
    for (int i = 1; i <= 10; ++i) s->append_message(msg(c.id, "m" + std::to_string(i), 1000 + i));
    new_message note = msg(c.id, "VIP customer", 2000, "a-1", author_kind::note);
    note.agent_id = "agent-7";
    note.payload = R"({"k":1})";
    s->append_message(note);

    auto page = s->messages_after(c.id, 3, 4);
    REQUIRE(page.size() == 4);
    CHECK(page[0].seq == 4);
    CHECK(page[0].text == "m4");
    CHECK(page[3].seq == 7);
    CHECK(s->messages_after(c.id, 11).empty());
    auto last = s->messages_after(c.id, 10);
    REQUIRE(last.size() == 1);
    CHECK(last[0].author == author_kind::note);
    CHECK(last[0].agent_id == "agent-7");
    CHECK(last[0].payload == R"({"k":1})");
    CHECK(last[0].client_id == "a-1");
    CHECK(last[0].created_at == 2000);
    CHECK(last[0].conversation_id == c.id);
    CHECK(s->messages_after("unknown", 0).empty());
    auto conv = s->find_conversation(c.id);
    CHECK(conv->updated_at == 2000);
    CHECK(conv->last_seq == 11);
}

STORE_TEST("enqueue and claim: exactly one of two nodes wins", check_claim_race) {
    auto node_a = b.open();
    auto node_b = b.open();
    for (int round = 0; round < 20; ++round) {
        auto c = node_a->create_conversation(convo(1000 + round));
        CHECK(node_b->enqueue(c.id, "requested", 2000));
        CHECK_FALSE(node_a->enqueue(c.id, "requested", 2001));  // already queued
        std::atomic<bool> go{false};
        bool won_a = false;
        bool won_b = false;
        std::thread ta([&] {
            while (!go) std::this_thread::yield();
            won_a = node_a->claim(c.id, "agent-a", 3000);
        });
        std::thread tb([&] {
            while (!go) std::this_thread::yield();
            won_b = node_b->claim(c.id, "agent-b", 3000);
        });
        go = true;
        ta.join();
        tb.join();
        CHECK(won_a != won_b);
        auto after = node_a->find_conversation(c.id);
        REQUIRE(after);
        CHECK(after->status == conversation_status::agent);
        CHECK(after->agent_id == (won_a ? "agent-a" : "agent-b"));
        CHECK(after->claimed_at == 3000);
    }
    auto fresh = node_a->create_conversation(convo(5000));
    CHECK_FALSE(node_a->claim(fresh.id, "agent-a", 5001));  // bot, not queued
    CHECK_FALSE(node_a->claim("no-such", "agent-a", 5001));
    CHECK_FALSE(node_a->enqueue("no-such", "requested", 5001));
}

STORE_TEST("transfer, close, csat, reopen", check_lifecycle) {
    auto s = b.open();
    auto c = s->create_conversation(convo(1000));
    CHECK_FALSE(s->transfer(c.id, "anna", "bob", 1500));  // nobody owns it yet
    REQUIRE(s->enqueue(c.id, "requested", 2000));
    REQUIRE(s->claim(c.id, "anna", 3000));
    CHECK_FALSE(s->transfer(c.id, "bob", "carl", 3500));  // only the owner transfers
    CHECK_FALSE(s->transfer(c.id, "anna", "", 3500));
    CHECK(s->transfer(c.id, "anna", "bob", 4000));
    CHECK(s->find_conversation(c.id)->agent_id == "bob");

    CHECK(s->close(c.id, 5000));
    CHECK_FALSE(s->close(c.id, 5001));
    auto closed = s->find_conversation(c.id);
    CHECK(closed->status == conversation_status::closed);
    CHECK(closed->agent_id == "");
    CHECK(closed->closed_at == 5000);

    CHECK_FALSE(s->set_csat(c.id, 0, "", 6000));
    CHECK_FALSE(s->set_csat(c.id, 6, "", 6000));
    CHECK(s->set_csat(c.id, 5, "great help", 6000));
    CHECK_FALSE(s->set_csat(c.id, 1, "changed my mind", 6001));  // once per conversation
    auto rated = s->find_conversation(c.id);
    CHECK(rated->csat_score == 5);
    CHECK(rated->csat_comment == "great help");
    CHECK_FALSE(s->set_csat("no-such", 5, "", 6000));

    s->reopen(c.id, 7000);
    auto again = s->find_conversation(c.id);
    CHECK(again->status == conversation_status::bot);
    CHECK(again->agent_id == "");
    CHECK(again->handoff_reason == "");
    CHECK(again->updated_at == 7000);
    CHECK(s->enqueue(c.id, "frustration", 8000));
    CHECK(s->find_conversation(c.id)->queued_at == 8000);
    CHECK(s->close(c.id, 9000));  // a queued conversation can be closed too
}

STORE_TEST("agents and sign-in sessions", check_agents) {
    auto s = b.open();
    agent_record a;
    a.email = "Anna@Shop.EXAMPLE";
    a.name = "Anna";
    a.password_hash = "$argon2id$v=19$fake";
    a.role = agent_role::admin;
    a.created_at = 1000;
    auto stored = s->ensure_agent(a);
    CHECK(stored.email == "anna@shop.example");
    CHECK_FALSE(stored.id.empty());
    CHECK(stored.role == agent_role::admin);
    CHECK(stored.password_hash == a.password_hash);

    agent_record dup = a;
    dup.email = "anna@shop.example";
    dup.name = "Someone Else";
    dup.role = agent_role::agent;
    auto again = s->ensure_agent(dup);  // existing email: left alone
    CHECK(again.id == stored.id);
    CHECK(again.name == "Anna");
    CHECK(again.role == agent_role::admin);

    agent_record bob;
    bob.id = "agent-bob";
    bob.email = "bob@shop.example";
    bob.name = "Bob";
    auto bob_stored = s->ensure_agent(bob);
    CHECK(bob_stored.id == "agent-bob");
    CHECK(bob_stored.role == agent_role::agent);

    auto by_email = s->find_agent_by_email("ANNA@shop.example");
    REQUIRE(by_email);
    CHECK(by_email->id == stored.id);
    CHECK_FALSE(s->find_agent_by_email("nobody@shop.example"));
    REQUIRE(s->find_agent("agent-bob"));
    CHECK(s->find_agent("agent-bob")->name == "Bob");
    CHECK_FALSE(s->find_agent("nope"));
    auto all = s->list_agents();
    REQUIRE(all.size() == 2);
    CHECK(all[0].email == "anna@shop.example");
    CHECK(all[1].email == "bob@shop.example");

    s->create_auth_session({"hash-1", stored.id, "csrf-1", 10'000});
    auto found = s->find_auth_session("hash-1", 9'999);
    REQUIRE(found);
    CHECK(found->agent_id == stored.id);
    CHECK(found->csrf_token == "csrf-1");
    CHECK(found->expires_at == 10'000);
    CHECK_FALSE(s->find_auth_session("hash-1", 10'000));  // expired
    CHECK_FALSE(s->find_auth_session("hash-2", 0));
    s->delete_auth_session("hash-1");
    CHECK_FALSE(s->find_auth_session("hash-1", 0));
    s->delete_auth_session("hash-1");  // deleting twice is fine
    CHECK_THROWS_AS(s->create_auth_session({"hash-3", "no-such-agent", "c", 1}), store_error);
}

STORE_TEST("tickets", check_tickets) {
    auto s = b.open();
    auto c = s->create_conversation(convo(1000));
    ticket_record t;
    t.conversation_id = c.id;
    t.email = "ann@example.com";
    t.message = "my parcel never came";
    t.created_at = 1000;
    t.due_at = 90'000;
    auto t1 = s->create_ticket(t);
    t.due_at = 50'000;
    t.message = "second";
    auto t2 = s->create_ticket(t);
    ticket_record loose;
    loose.email = "bob@example.com";
    loose.message = "no conversation";
    loose.created_at = 1100;
    loose.due_at = 70'000;
    auto t3 = s->create_ticket(loose);
    CHECK(t1.id > 0);
    CHECK(t2.id > t1.id);
    CHECK(t3.id > t2.id);

    auto f = s->find_ticket(t1.id);
    REQUIRE(f);
    CHECK(f->message == "my parcel never came");
    CHECK(f->email == "ann@example.com");
    CHECK(f->status == ticket_status::open);
    CHECK(f->due_at == 90'000);
    CHECK_FALSE(s->find_ticket(987654));

    auto open = s->list_tickets(ticket_status::open);
    REQUIRE(open.size() == 3);
    CHECK(open[0].id == t2.id);  // most urgent first
    CHECK(open[1].id == t3.id);
    CHECK(open[2].id == t1.id);
    CHECK(s->list_tickets(ticket_status::open, 1).size() == 1);

    auto mine = s->tickets_for_conversation(c.id);
    REQUIRE(mine.size() == 2);
    CHECK(mine[0].id == t1.id);
    CHECK(s->tickets_for_conversation("").empty());

    CHECK(s->answer_ticket(t1.id, "It ships tomorrow.", "agent-1", 5000));
    CHECK_FALSE(s->answer_ticket(t1.id, "Second answer", "agent-2", 5001));  // first one wins
    CHECK_FALSE(s->answer_ticket(987654, "x", "agent-1", 5000));
    auto answered = s->find_ticket(t1.id);
    CHECK(answered->status == ticket_status::answered);
    CHECK(answered->answer == "It ships tomorrow.");
    CHECK(answered->answered_by == "agent-1");
    CHECK(answered->answered_at == 5000);

    CHECK(s->set_ticket_status(t2.id, ticket_status::closed, 6000));
    CHECK_FALSE(s->set_ticket_status(987654, ticket_status::closed, 6000));
    CHECK(s->list_tickets(ticket_status::open).size() == 1);
    CHECK(s->list_tickets(ticket_status::answered).size() == 1);
    auto every = s->list_tickets(std::nullopt);
    REQUIRE(every.size() == 3);
    CHECK(every[0].id == t3.id);  // newest first
}

STORE_TEST("canned replies", check_canned) {
    auto s = b.open();
    CHECK(s->list_canned().empty());
    auto a = s->add_canned("Greeting", "Hi! How can I help?");
    auto b2 = s->add_canned("退货", "请提供订单号。");
    CHECK(b2.id > a.id);
    auto all = s->list_canned();
    REQUIRE(all.size() == 2);
    CHECK(all[0].title == "Greeting");
    CHECK(all[1].text == "请提供订单号。");
}

STORE_TEST("retention and GDPR erasure remove messages and tickets", check_privacy) {
    auto s = b.open();
    auto old_conv = s->create_conversation(convo(1000, "tok-old"));
    auto new_conv = s->create_conversation(convo(1000, "tok-new"));
    s->append_message(msg(old_conv.id, "old", 1100));
    s->append_message(msg(new_conv.id, "new", 9000));
    ticket_record t;
    t.conversation_id = old_conv.id;
    t.created_at = 1200;
    auto old_ticket = s->create_ticket(t);
    t.conversation_id = new_conv.id;
    auto new_ticket = s->create_ticket(t);

    CHECK(s->delete_older_than(5000) == 1);
    CHECK_FALSE(s->find_conversation(old_conv.id));
    CHECK(s->messages_after(old_conv.id, 0).empty());
    CHECK_FALSE(s->find_ticket(old_ticket.id));
    CHECK(s->find_conversation(new_conv.id));
    CHECK(s->messages_after(new_conv.id, 0).size() == 1);
    CHECK(s->find_ticket(new_ticket.id));
    CHECK(s->delete_older_than(5000) == 0);

    // GDPR: a verified user's conversations (on every device) and tickets.
    auto u1 = s->create_conversation(convo(10'000, "tok-u1", "u-42"));
    auto u2 = s->create_conversation(convo(11'000, "tok-u2", "u-42"));
    auto anon = s->create_conversation(convo(12'000, "tok-anon"));
    auto bystander = s->create_conversation(convo(12'000, "tok-other", "u-7"));
    s->append_message(msg(u1.id, "my address is …", 10'100));
    s->append_message(msg(anon.id, "hello", 12'100));
    s->append_message(msg(bystander.id, "hello", 12'100));
    ticket_record ut;
    ut.user_id = "u-42";
    ut.email = "u42@example.com";
    ut.created_at = 10'200;
    auto user_ticket = s->create_ticket(ut);  // no conversation, still theirs
    ticket_record ct;
    ct.conversation_id = u2.id;
    ct.created_at = 11'100;
    auto conv_ticket = s->create_ticket(ct);
    ticket_record bt;
    bt.user_id = "u-7";
    bt.created_at = 12'200;
    auto bystander_ticket = s->create_ticket(bt);

    CHECK(s->delete_shopper("", "") == 0);
    CHECK(s->delete_shopper("u-42", "") == 2);
    CHECK_FALSE(s->find_conversation(u1.id));
    CHECK_FALSE(s->find_conversation(u2.id));
    CHECK(s->messages_after(u1.id, 0).empty());
    CHECK_FALSE(s->find_ticket(user_ticket.id));
    CHECK_FALSE(s->find_ticket(conv_ticket.id));
    CHECK(s->conversations_for_user("u-42").empty());

    CHECK(s->delete_shopper("", "tok-anon") == 1);  // anonymous: by token hash
    CHECK_FALSE(s->find_conversation(anon.id));
    CHECK(s->messages_after(anon.id, 0).empty());

    CHECK(s->find_conversation(bystander.id));
    CHECK(s->messages_after(bystander.id, 0).size() == 1);
    CHECK(s->find_ticket(bystander_ticket.id));
    CHECK(s->find_conversation(new_conv.id));
}

STORE_TEST("reopening keeps everything and migrations run once", check_reopen) {
    std::string id;
    std::int64_t ticket_id = 0;
    {
        auto s = b.open();
        auto c = s->create_conversation(convo(1000, "tok-durable", "u-1"));
        id = c.id;
        s->append_message(msg(id, "one", 1100, "c-1"));
        s->append_message(msg(id, "two", 1200, "c-2"));
        s->enqueue(id, "requested", 1300);
        agent_record a;
        a.email = "anna@shop.example";
        s->ensure_agent(a);
        ticket_record t;
        t.conversation_id = id;
        t.created_at = 1400;
        ticket_id = s->create_ticket(t).id;
        s->add_canned("Hi", "Hello!");
    }
    for (int i = 0; i < 3; ++i) {
        auto s = b.open();
        auto c = s->find_conversation(id);
        REQUIRE(c);
        CHECK(c->status == conversation_status::queued);
        CHECK(c->last_seq == 2);
        auto ms = s->messages_after(id, 0);
        REQUIRE(ms.size() == 2);
        CHECK(ms[1].text == "two");
        CHECK(s->append_message(msg(id, "two again", 2000, "c-2")).duplicate);
        CHECK(s->find_agent_by_email("anna@shop.example"));
        CHECK(s->find_ticket(ticket_id));
        CHECK(s->list_canned().size() == 1);
    }
    // Opening a second instance concurrently (a second node) also works.
    auto s1 = b.open();
    auto s2 = b.open();
    CHECK(s1->find_conversation(id));
    CHECK(s2->find_conversation(id));
}

TEST_CASE("sqlite store: file layout, schema_version, WAL") {
    temp_dir dir;
    const std::string data = dir.path + "/nested/data";
    { auto s = open_sqlite_store(data); }
    { auto s = open_sqlite_store(data); }
    REQUIRE(std::filesystem::exists(data + "/parley.db"));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((data + "/parley.db").c_str(), &db) == SQLITE_OK);
    auto scalar = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        std::string v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return v;
    };
    CHECK(scalar("SELECT count(*) FROM schema_version") ==
          scalar("SELECT max(version) FROM schema_version"));
    CHECK(scalar("SELECT count(*) FROM schema_version WHERE version = 1") == "1");
    CHECK(scalar("PRAGMA journal_mode") == "wal");
    sqlite3_close(db);
    CHECK(open_sqlite_store(data)->kind() == "sqlite");
}

TEST_CASE("sqlite store: an acknowledged append survives kill -9") {
    temp_dir dir;
    const std::string data = dir.path + "/data";
    std::string id;
    {
        auto s = open_sqlite_store(data);
        id = s->create_conversation(convo(1000)).id;
    }
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Child: append, report the seq (the "ack"), then die without any
        // cleanup: no destructor, no checkpoint, no close.
        ::close(pipefd[0]);
        auto s = open_sqlite_store(data);
        std::int64_t seq = 0;
        for (int i = 0; i < 50; ++i) seq = s->append_message(msg(id, "m", 2000 + i)).message.seq;
        (void)!::write(pipefd[1], &seq, sizeof seq);
        ::kill(::getpid(), SIGKILL);
        ::_exit(1);
    }
    ::close(pipefd[1]);
    std::int64_t acked = 0;
    CHECK(::read(pipefd[0], &acked, sizeof acked) == sizeof acked);
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(acked == 50);
    auto s = open_sqlite_store(data);
    CHECK(s->messages_after(id, 0).size() == 50);
    CHECK(s->find_conversation(id)->last_seq == 50);
}

TEST_CASE("sqlite store: checkpoints run beside the writer and the WAL stays bounded") {
    temp_dir dir;
    const std::string data = dir.path + "/data";
    auto s = open_sqlite_store(data);
    const auto id = s->create_conversation(convo(1000)).id;
    const std::string text(2000, 'x');  // about a page per message: many WAL frames quickly
    const std::string wal = data + "/parley.db-wal";
    std::uintmax_t largest = 0;
    int appended = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until) {
        s->append_message(msg(id, text, 2000 + appended));
        ++appended;
        largest = std::max(largest, std::filesystem::file_size(wal));
    }
    INFO("appended " << appended << ", largest WAL " << largest);
    // Each append writes several pages: without the checkpointer's rewinds the
    // WAL would hold them all (hundreds of MB here).
    REQUIRE(appended > 2000);
    CHECK(largest < 64u * 1024 * 1024);
    // The pages reached the database file while the writer kept writing.
    CHECK(std::filesystem::file_size(data + "/parley.db") > 1024u * 1024);
    CHECK(s->messages_after(id, 0, 100000).size() == static_cast<std::size_t>(appended));
}

TEST_CASE("sqlite store: unusable directory is a store_error") {
    CHECK_THROWS_AS(open_sqlite_store("/proc/parley-cannot-create-this"), store_error);
}

TEST_CASE("postgres store: schema_version, concurrent first start, reconnect") {
    auto* pg = parley::test::postgres_or_skip();
    if (!pg) return;
    const std::string url = pg->create_database();
    // Four nodes start at once on an empty database: the advisory lock lets
    // one migrate while the others wait, and nobody fails.
    std::atomic<int> failures{0};
    std::vector<std::unique_ptr<store>> nodes(4);
    std::vector<std::thread> starters;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        starters.emplace_back([&, i] {
            try {
                nodes[i] = open_postgres_store(url);
            } catch (const std::exception& e) {
                ++failures;
                MESSAGE("open failed: " << e.what());
            }
        });
    }
    for (auto& t : starters) t.join();
    REQUIRE(failures == 0);
    CHECK(nodes[0]->kind() == "postgresql");
    nodes.clear();
    { auto again = open_postgres_store(url); }

    PGconn* c = PQconnectdb(url.c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PGresult* r = PQexec(c, "SELECT count(*), max(version) FROM schema_version");
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    CHECK(std::string(PQgetvalue(r, 0, 0)) == std::string(PQgetvalue(r, 0, 1)));
    PQclear(r);
    PQfinish(c);

    // The server restarts under a running store: each pooled connection is
    // reset on its first failure and the operation retried.
    auto s = open_postgres_store(url);
    auto conv = s->create_conversation(convo(1000));
    pg->restart();
    for (int i = 0; i < 8; ++i) {  // more than the pool size: every connection
        CHECK(s->append_message(msg(conv.id, "after restart", 2000 + i)).message.seq == i + 1);
    }
    CHECK(s->healthy());

    CHECK_THROWS_AS(open_postgres_store(pg->url_for("no_such_database")), store_error);
}

STORE_TEST("append_turn commits a whole bot turn once", check_append_turn) {
    auto s = b.open();
    auto c = s->create_conversation(convo(1000, "tok-turn"));
    new_message shopper;
    shopper.conversation_id = c.id;
    shopper.client_id = "c-1";
    shopper.author = author_kind::shopper;
    shopper.text = "how long does shipping take";
    shopper.now = 2000;
    new_message bot;
    bot.conversation_id = c.id;
    bot.author = author_kind::bot;
    bot.text = "2-3 days";
    bot.payload = R"({"kind":"answer"})";
    bot.now = 2000;
    const store::dialog_update dialog{R"({"v":1})", "shipping_time", 0.25};

    auto first = s->append_turn(shopper, {bot}, dialog);
    CHECK_FALSE(first.shopper.duplicate);
    CHECK(first.shopper.message.seq == 1);
    REQUIRE(first.replies.size() == 1);
    CHECK(first.replies[0].seq == 2);
    CHECK(first.replies[0].text == "2-3 days");
    auto stored = s->find_conversation(c.id);
    REQUIRE(stored);
    CHECK(stored->last_seq == 2);
    CHECK(stored->dialog_state == R"({"v":1})");
    CHECK(stored->intent == "shipping_time");
    CHECK(stored->sentiment == doctest::Approx(0.25));

    // A retry: nothing new is written, the original comes back.
    auto again = s->append_turn(shopper, {bot}, store::dialog_update{"{}", "other", 0.9});
    CHECK(again.shopper.duplicate);
    CHECK(again.shopper.message.seq == 1);
    CHECK(again.replies.empty());
    stored = s->find_conversation(c.id);
    CHECK(stored->last_seq == 2);
    CHECK(stored->intent == "shipping_time");
    CHECK(s->messages_after(c.id, 0).size() == 2);
}

STORE_TEST("append_turns: a batch of turns, each as append_turn stores it", check_append_turns) {
    auto s = b.open();
    auto a = s->create_conversation(convo(1000, "tok-batch-a"));
    auto c = s->create_conversation(convo(1000, "tok-batch-b"));
    auto turn = [](const std::string& conversation, const std::string& client_id,
                   const std::string& answer) {
        store::turn_request t;
        t.shopper.conversation_id = conversation;
        t.shopper.client_id = client_id;
        t.shopper.author = author_kind::shopper;
        t.shopper.text = "question " + client_id;
        t.shopper.now = 2000;
        new_message bot;
        bot.conversation_id = conversation;
        bot.author = author_kind::bot;
        bot.text = answer;
        bot.now = 2000;
        t.replies.push_back(bot);
        t.dialog = store::dialog_update{R"({"v":1})", answer, 0.5};
        return t;
    };
    // Two conversations, one of them twice, and a retry inside the batch.
    auto out = s->append_turns({turn(a.id, "a-1", "one"), turn(c.id, "b-1", "two"),
                                turn(a.id, "a-2", "three"), turn(a.id, "a-1", "again")});
    REQUIRE(out.size() == 4);
    for (const auto& o : out) CHECK_FALSE(o.error);
    CHECK(out[0].result.shopper.message.seq == 1);
    REQUIRE(out[0].result.replies.size() == 1);
    CHECK(out[0].result.replies[0].seq == 2);
    CHECK(out[1].result.shopper.message.seq == 1);
    CHECK(out[2].result.shopper.message.seq == 3);
    CHECK(out[2].result.replies[0].seq == 4);
    CHECK(out[3].result.shopper.duplicate);
    CHECK(out[3].result.shopper.message.seq == 1);
    CHECK(out[3].result.replies.empty());
    CHECK(s->messages_after(a.id, 0).size() == 4);
    CHECK(s->find_conversation(a.id)->intent == "three");
    CHECK(s->find_conversation(c.id)->last_seq == 2);

    // A turn of a conversation that is gone fails alone.
    auto mixed = s->append_turns(
        {turn(c.id, "b-2", "four"), turn("no-such-id", "x-1", "five"), turn(a.id, "a-3", "six")});
    REQUIRE(mixed.size() == 3);
    CHECK_FALSE(mixed[0].error);
    CHECK(mixed[1].error);
    CHECK_FALSE(mixed[2].error);
    CHECK(mixed[0].result.shopper.message.seq == 3);
    CHECK(mixed[2].result.shopper.message.seq == 5);
    CHECK(s->messages_after(c.id, 0).size() == 4);
    CHECK(s->messages_after(a.id, 0).size() == 6);
}

STORE_TEST("webhook outbox: lease, retry, deliver, log", check_outbox) {
    auto s = b.open();
    auto entry = [](const std::string& id, std::int64_t now) {
        outbox_record r;
        r.event_id = id;
        r.event = "ticket.created";
        r.url = "https://hooks.example/x";
        r.payload = R"({"id":")" + id + "\"}";
        r.created_at = now;
        r.next_attempt_at = now;
        return r;
    };
    s->add_outbox({entry("e1", 1000), entry("e2", 1000)});
    s->add_outbox({entry("e3", 5000)});  // not due yet
    auto due = s->claim_outbox(2000, 30000, 10);
    REQUIRE(due.size() == 2);
    CHECK(due[0].event_id == "e1");
    CHECK(due[0].attempts == 1);
    // Leased: a second node (or poll) does not get them again.
    auto second = b.open();
    CHECK(second->claim_outbox(2500, 30000, 10).empty());
    s->finish_outbox(due[0].id, outbox_state::delivered, 200, "", 2100, 2100);
    s->finish_outbox(due[1].id, outbox_state::pending, 503, "HTTP 503", 3000, 2100);
    due = s->claim_outbox(6000, 30000, 10);
    REQUIRE(due.size() == 2);  // e2 (retry) and e3
    CHECK(due[0].event_id == "e2");
    CHECK(due[0].attempts == 2);
    CHECK(due[1].event_id == "e3");
    // A lease that runs out (the node died) makes it due again.
    due = s->claim_outbox(6000 + 30001, 30000, 10);
    CHECK(due.size() == 2);
    s->finish_outbox(due[0].id, outbox_state::failed, 0, "gave up", 0, 40000);
    const auto log = s->list_outbox(10);
    REQUIRE(log.size() == 3);
    CHECK(log[0].event_id == "e3");  // newest first
    CHECK(log[1].state == outbox_state::failed);
    CHECK(log[1].last_error == "gave up");
    CHECK(log[2].state == outbox_state::delivered);
    CHECK(log[2].delivered_at == 2100);
    CHECK(log[2].last_status == 200);
}

STORE_TEST("demo orders: seeded once, saved, found by number", check_demo_orders) {
    auto s = b.open();
    s->seed_demo_orders({{"1001", "a@x.test", R"({"status":"shipped"})", 1},
                         {"1002", "b@x.test", R"({"status":"pending"})", 1}});
    auto o = s->find_demo_order("1002");
    REQUIRE(o);
    CHECK(o->email == "b@x.test");
    o->document = R"({"status":"cancelled"})";
    s->save_demo_order(*o);
    // Seeding again (a restart) keeps what changed.
    s->seed_demo_orders({{"1002", "b@x.test", R"({"status":"pending"})", 2}});
    CHECK(s->find_demo_order("1002")->document == R"({"status":"cancelled"})");
    CHECK_FALSE(s->find_demo_order("9999"));
}

STORE_TEST("config versions: numbered, never overwritten, found by source", check_config_versions) {
    auto s = b.open();
    CHECK_FALSE(s->latest_config_version());
    auto v1 = s->add_config_version({0, R"({"a":1})", 100, "startup", "", "file:abc"});
    auto v2 = s->add_config_version({0, R"({"a":2})", 200, "boss@shop.test", "more FAQs", "admin"});
    CHECK(v1.version == 1);
    CHECK(v2.version == 2);
    CHECK(s->latest_config_version()->config == R"({"a":2})");
    CHECK(s->find_config_version(1)->published_by == "startup");
    CHECK_FALSE(s->find_config_version(9));
    CHECK(s->latest_config_from("file:")->version == 1);
    CHECK_FALSE(s->latest_config_from("rollback:"));
    const auto list = s->list_config_versions(10);
    REQUIRE(list.size() == 2);
    CHECK(list[0].version == 2);
    CHECK(list[0].note == "more FAQs");
    CHECK(list[0].config.empty());  // the list leaves the text out
    // Two publishers at once (two nodes) get distinct versions.
    auto other = b.open();
    std::vector<std::int64_t> got(20);
    std::thread t1([&] {
        for (int i = 0; i < 10; ++i)
            got[i] = s->add_config_version({0, "{}", 300, "a", "", "admin"}).version;
    });
    std::thread t2([&] {
        for (int i = 10; i < 20; ++i)
            got[i] = other->add_config_version({0, "{}", 300, "b", "", "admin"}).version;
    });
    t1.join();
    t2.join();
    std::sort(got.begin(), got.end());
    CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
    CHECK(s->latest_config_version()->version == 22);
}

STORE_TEST("webhook events are written with the change they report", check_events_with_changes) {
    auto s = b.open();
    // No receivers: nothing is written.
    auto quiet = s->create_conversation(convo(1000, "tok-q", ""));
    CHECK(s->enqueue(quiet.id, "requested", 1100));
    CHECK(s->list_outbox(10).empty());

    s->set_webhook_receivers(
        {{"https://hooks.example/all", {}}, {"https://hooks.example/tickets", {"ticket.created"}}});
    auto c = s->create_conversation(convo(2000, "tok-e", "u-7"));
    CHECK(s->enqueue(c.id, "frustration", 2100));
    CHECK_FALSE(s->enqueue(c.id, "frustration", 2150));  // no change, no event
    CHECK(s->claim(c.id, "agent-1", 2200));
    CHECK(s->close(c.id, 2300));
    CHECK_FALSE(s->close(c.id, 2350));
    CHECK(s->set_csat(c.id, 4, "ok", 2400));
    ticket_record t;
    t.conversation_id = c.id;
    t.email = "a@b.test";
    t.message = "help";
    t.created_at = 2500;
    const auto ticket = s->create_ticket(t);
    CHECK(s->answer_ticket(ticket.id, "done", "agent-1", 2600));

    auto log = s->list_outbox(50);
    std::reverse(log.begin(), log.end());  // oldest first
    std::vector<std::string> all;
    for (const auto& e : log)
        if (e.url == "https://hooks.example/all") all.push_back(e.event);
    CHECK(all == std::vector<std::string>{"conversation.started", "conversation.handed_off",
                                          "conversation.closed", "csat.received", "ticket.created",
                                          "ticket.updated"});
    std::vector<outbox_record> tickets;
    for (const auto& e : log)
        if (e.url == "https://hooks.example/tickets") tickets.push_back(e);
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0].event == "ticket.created");
    // One event id per event, the same for every receiver.
    for (const auto& e : log)
        if (e.event == "ticket.created") CHECK(e.event_id == tickets[0].event_id);
    const auto body = nlohmann::json::parse(log[1].payload);
    CHECK(body["type"] == "conversation.handed_off");
    CHECK(body["id"] == log[1].event_id);
    CHECK(body["data"]["reason"] == "frustration");
    CHECK(body["data"]["user_id"] == "u-7");
    const auto closed = nlohmann::json::parse(log[2].payload);
    CHECK(closed["data"]["agent_id"] == "agent-1");  // the owner before the close
}
