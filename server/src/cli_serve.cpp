// `parley serve`: wires config, store, event bus, hub and listener together,
// runs the io_context on every core, and shuts down gracefully on SIGINT or
// SIGTERM (stop accepting, close sockets with "going away", flush the store).
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "auth.hpp"
#include "business_clock.hpp"
#include "cli.hpp"
#include "demo_orders.hpp"
#include "files.hpp"
#include "frames.hpp"
#include "hub.hpp"
#include "listener.hpp"
#include "parley/config.hpp"
#include "student_model.hpp"

namespace parley {

namespace net = boost::asio;
using namespace parley::server;

namespace {

constexpr const char* serve_usage =
    "usage: parley serve [--config FILE] [--host 127.0.0.1] [--port 8080] [--data DIR]\n"
    "                    [--db postgresql://...] [--www DIR] [--threads N] [--quiet]\n             "
    "       [--no-rate-limits]   (load tests only)\n"
    "                    [--model FILE.onnx [--vocab FILE] | --no-model]\n"
    "                    [--rerank-url URL [--rerank-model NAME] [--rerank-timeout MS]\n"
    "                     [--rerank-weight W] [--rerank-calibration JSON]]\n"
    "  --model     the student encoder (default: the source tree's models/student.onnx\n"
    "              when it exists); --no-model answers with BM25 alone\n"
    "  --rerank-url  an OpenAI-compatible /v1/embeddings server whose model re-answers\n"
    "              turns the student could not (fallback, \"Did you mean\"), within\n"
    "              --rerank-timeout (default 800 ms) or not at all; with the student, in\n"
    "              the two models' joint space, W (default 0.7) the large model's share\n"
    "              of each cosine (1: the large model alone)\n";

// 10k+ shopper sockets need more descriptors than the usual soft limit.
void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void seed_demo(store& db) {
    // Only with the bundled demo shop: never with a real config.
    struct demo_account {
        const char* email;
        const char* password;
        const char* name;
        agent_role role;
    };
    const demo_account accounts[] = {
        {"agent@demo.shop", "demo-agent", "Alex (demo agent)", agent_role::agent},
        {"admin@demo.shop", "demo-admin", "Sam (demo admin)", agent_role::admin},
    };
    for (const auto& a : accounts) {
        if (db.find_agent_by_email(a.email)) continue;
        agent_record r;
        r.email = a.email;
        r.name = a.name;
        r.role = a.role;
        r.password_hash = hash_password(a.password);
        r.created_at = now_ms();
        db.ensure_agent(r);
    }
    if (db.list_canned().empty()) {
        db.add_canned("Greeting", "Hi, I'm here to help. Let me read through your conversation.");
        db.add_canned("Order lookup",
                      "Could you give me your order number and the email you ordered with?");
        db.add_canned("Return label",
                      "I've sent a prepaid return label to your email. Returns are free within 30 "
                      "days.");
        db.add_canned("Closing", "Is there anything else I can help you with today?");
    }
}

}  // namespace

int run_serve(const std::vector<std::string>& args) {
    serve_settings s;
    s.www_dir = PARLEY_DEFAULT_WWW_DIR;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    bool threads_given = false;
    std::string model_path, vocab_path;
    bool model_given = false, no_model = false;
    std::optional<rerank_settings> rerank;
    bool rerank_calibrated = false;
    auto rerank_option = [&]() -> rerank_settings& {
        if (!rerank) rerank.emplace();
        return *rerank;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
            return args[++i];
        };
        if (a == "--config") {
            s.config_path = value();
        } else if (a == "--host") {
            s.host = value();
        } else if (a == "--port") {
            const int p = std::stoi(value());
            if (p < 0 || p > 65535) throw std::invalid_argument("--port must be 0..65535");
            s.port = static_cast<unsigned short>(p);
        } else if (a == "--data") {
            s.data_dir = value();
        } else if (a == "--db") {
            s.db_url = value();
        } else if (a == "--www") {
            s.www_dir = value();
        } else if (a == "--threads") {
            threads = static_cast<unsigned>(std::max(1, std::stoi(value())));
            threads_given = true;
        } else if (a == "--no-rate-limits") {
            s.rate_limits = false;
        } else if (a == "--quiet") {
            s.quiet = true;
        } else if (a == "--model") {
            model_path = value();
            model_given = true;
        } else if (a == "--vocab") {
            vocab_path = value();
        } else if (a == "--no-model") {
            no_model = true;
        } else if (a == "--rerank-url") {
            rerank_option().endpoint.url = value();
        } else if (a == "--rerank-model") {
            rerank_option().endpoint.model = value();
        } else if (a == "--rerank-timeout") {
            const int ms = std::stoi(value());
            if (ms < 1 || ms > 60000)
                throw std::invalid_argument("--rerank-timeout must be 1..60000 ms");
            rerank_option().timeout = std::chrono::milliseconds(ms);
        } else if (a == "--rerank-weight") {
            const float w = std::stof(value());
            if (!(w >= 0.0f && w <= 1.0f))
                throw std::invalid_argument("--rerank-weight must be in [0, 1]");
            rerank_option().weight = w;
        } else if (a == "--rerank-calibration") {
            rerank_option().calib = parley::parse_calibration(value());
            rerank_calibrated = true;
        } else if (a == "-h" || a == "--help") {
            std::fputs(serve_usage, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "parley serve: unknown option '%s'\n%s", a.c_str(), serve_usage);
            return 2;
        }
    }
    s.demo = s.config_path.empty();
    if (no_model && model_given) {
        std::fprintf(stderr, "parley serve: --model and --no-model exclude each other\n");
        return 2;
    }
    if (rerank &&
        (rerank->endpoint.url.empty() || !parse_url(embeddings_url(rerank->endpoint.url)))) {
        std::fprintf(stderr,
                     "parley serve: --rerank-url must be an http:// or https:// URL (the "
                     "--rerank-* options need it)\n");
        return 2;
    }
    s.rerank = rerank;
    // The student: loaded once, shared by every engine this node builds. An
    // explicit --model must load; the source tree's default is optional (a
    // checkout without a trained model still serves, with BM25 alone).
    double model_load_ms = 0;
    if (!no_model) {
        if (!model_given && std::filesystem::exists(PARLEY_DEFAULT_MODEL))
            model_path = PARLEY_DEFAULT_MODEL;
        if (!model_path.empty()) {
            const auto start = std::chrono::steady_clock::now();
            try {
                s.student = load_student(model_path, vocab_path);
                model_load_ms = std::chrono::duration<double, std::milli>(
                                    std::chrono::steady_clock::now() - start)
                                    .count();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "parley serve: %s%s\n", e.what(),
                             model_given ? "" : " (serving without the student model)");
                if (model_given) return 1;
                model_path.clear();
            }
        }
    }
    // The PostgreSQL store and bus block an io thread per query: keep at
    // least as many threads as pooled connections so sockets keep moving.
    if (!s.db_url.empty() && !threads_given) threads = std::max(threads, 4u);
    std::string config_json = s.demo ? std::string(demo_config_json()) : read_file(s.config_path);
    parley::config cfg;
    try {
        cfg = parse_config(config_json);
        check_timezone(cfg.hours);
    } catch (const config_error& e) {
        std::fprintf(stderr, "parley serve: %s: %s\n",
                     s.demo ? "demo config" : s.config_path.c_str(), e.what());
        return 1;
    }
    s.node_id = random_token(6);
    raise_fd_limit();

    logger log(s.quiet);
    if (s.student)
        log.info("student_loaded", {{"model", model_path},
                                    {"ms", model_load_ms},
                                    {"dimension", s.student->dimension()},
                                    {"vocabulary", s.student->tokenizer().size()},
                                    {"calibrated", s.student->calibrated()}});
    else
        log.info("student_absent", {{"reason", no_model ? "--no-model" : "no model file"}});
    if (s.rerank && !rerank_calibrated)
        // Each engine, and each joint space, has cosines of its own scale.
        log.warn("rerank_calibration_default",
                 {{"note",
                   "no --rerank-calibration: the built-in coefficients are multilingual-e5-small's "
                   "alone; fit this engine's with bench/calibrate (README, \"The parley binary\")"},
                  {"joint", s.student != nullptr && s.rerank->joins_student()}});
    std::unique_ptr<store> db;
    std::unique_ptr<event_bus> bus;
    if (s.db_url.empty()) {
        db = open_sqlite_store(s.data_dir);
        bus = make_local_bus();
    } else if (s.db_url.rfind("postgresql://", 0) == 0 || s.db_url.rfind("postgres://", 0) == 0) {
        db = open_postgres_store(s.db_url);
        bus = make_postgres_bus(s.db_url);
    } else {
        std::fprintf(stderr, "parley serve: --db must be a postgresql:// URL\n");
        return 2;
    }
    if (s.demo) seed_demo(*db);

    // The config file (or the bundled demo) is published as a version when it
    // is new or changed since it was last read; otherwise what the merchant
    // published last in /admin stays current across restarts.
    const std::string source = "file:" + sha256_hex(config_json);
    auto from_file = db->latest_config_from("file:");
    if (!from_file || from_file->source != source) {
        config_version_record v;
        v.config = config_json;
        v.published_at = now_ms();
        v.published_by = "startup";
        v.note = s.demo ? "the bundled demo shop" : "read from " + s.config_path;
        v.source = source;
        db->add_config_version(v);
    }
    const auto current = db->latest_config_version();
    if (current && current->config != config_json) {
        try {
            auto published = parse_config(current->config);
            check_timezone(published.hours);
            cfg = std::move(published);
            config_json = current->config;
        } catch (const std::exception& e) {
            // Cannot happen for versions published through the API; be loud if it does.
            std::fprintf(
                stderr,
                "parley serve: published config version %lld is unusable (%s); using the file\n",
                static_cast<long long>(current->version), e.what());
        }
    }
    if (cfg.integrations.demo_orders) db->seed_demo_orders(demo_order_catalog(now_ms()));

    net::io_context ioc(static_cast<int>(threads));
    auto shop = std::make_shared<const shop_runtime>(
        config_json, std::move(cfg), current ? current->version : 0, s.student.get(),
        s.rerank && s.rerank->joins_student());
    if (s.student)
        log.info("documents_embedded", {{"version", shop->version},
                                        {"documents", shop->documents_embedded},
                                        {"ms", shop->document_embedding_ms}});
    auto h = std::make_shared<hub>(ioc, s, log, std::move(db), std::move(bus), shop);
    auto address = net::ip::make_address(s.host);
    auto l = std::make_shared<listener>(ioc, net::ip::tcp::endpoint(address, s.port), h);
    // {self} in endpoint templates: this node as seen from itself.
    const bool any = address.is_unspecified();
    const std::string self_host = any ? (address.is_v6() ? "[::1]" : "127.0.0.1")
                                      : (address.is_v6() ? "[" + s.host + "]" : s.host);
    h->set_self_url("http://" + self_host + ":" + std::to_string(l->port()));
    h->start();
    l->run();

    const std::string host = address.is_v6() ? "[" + s.host + "]" : s.host;
    const std::string url = "http://" + host + ":" + std::to_string(l->port()) + "/";
    std::printf("parley serve: serving %s on %s (store: %s, node %s)\n",
                s.demo ? "the demo shop" : shop->cfg().shop.name.c_str(), url.c_str(),
                h->db().kind().c_str(), s.node_id.c_str());
    // Only the pages this build has (a build without the web part has none).
    const std::pair<const char*, const char*> pages[] = {
        {"shop page     ", "/"}, {"agent console ", "/console"}, {"merchant admin", "/admin"}};
    for (const auto& [label, path] : pages)
        if (h->files().find(path)) std::printf("  %s %s%s\n", label, url.c_str(), path + 1);
    if (s.demo)
        std::printf(
            "  demo accounts  agent@demo.shop / demo-agent   admin@demo.shop / demo-admin\n");
    if (s.student)
        std::printf(
            "  student model  %s (%zu-d, loaded in %.0f ms; %zu documents embedded in "
            "%.0f ms)\n",
            model_path.c_str(), s.student->dimension(), model_load_ms, shop->documents_embedded,
            shop->document_embedding_ms);
    if (s.rerank)
        std::printf("  rerank model   %s (low-confidence turns, %lld ms at most%s)\n",
                    embeddings_url(s.rerank->endpoint.url).c_str(),
                    static_cast<long long>(s.rerank->timeout.count()),
                    s.student && s.rerank->joins_student()
                        ? (", joined with the student, weight " +
                           std::to_string(s.rerank->weight).substr(0, 4))
                              .c_str()
                        : "");
    std::fflush(stdout);
    log.info("listening", {{"url", url},
                           {"store", h->db().kind()},
                           {"node", s.node_id},
                           {"threads", threads},
                           {"static_files", h->files().size()}});

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer drain(ioc);
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        log.info("shutting_down", {{"signal", sig}});
        l->stop();
        h->stop();
        // Sockets get a moment to send their close frames; then we stop.
        drain.expires_after(std::chrono::seconds(2));
        drain.async_wait([&](boost::system::error_code) { ioc.stop(); });
    });

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    log.info("stopped", {});
    return 0;
}

}  // namespace parley
