// Load generator for `parley serve` (issue 3): many real WebSocket clients on
// one Asio thread, against a server started elsewhere (bench/load/run_load.sh
// starts and stops the servers). Four scenarios:
//
//   parley_load idle  --port P --server-pid PID [--sockets 10000] [--sources 4] [--idle-s 5]
//       N shopper sockets: hello, wait for welcome + greeting, then idle.
//       Server RSS (/proc/PID/status VmRSS) before and after, KB per socket.
//   parley_load bot   --port P --config shop.json [--sockets 200] [--closed-s 8]
//                     [--rates 1000,2000,...] [--warmup-s 2] [--measure-s 5] [--p99-target-ms 20]
//       Shopper messages (the config's FAQ questions, some paraphrased) answered by
//       the bot: closed loop (one message in flight per socket) for the maximum
//       throughput, then open loop at fixed total rates. Latency = send → the bot's
//       message frame received.
//   parley_load relay --port P [--agent-port P2] --agent-email agent%d@load.test
//                     --agent-password PW [--agents 4] [--conversations 100]
//                     [--rate 1000] [--warmup-s 2] [--measure-s 18]
//       K conversations handed off ("I want to talk to a human") and claimed by
//       the agents, then agent → shopper replies at a fixed total rate, then
//       shopper → agent messages at the same rate. With --agent-port the agents
//       sit on another node (two nodes sharing one PostgreSQL).
//
// Common: --host 127.0.0.1, --server-pid PID[,PID] (CPU and RSS of the server
// processes), --label TEXT (copied into the JSON). Prints one JSON line per
// measurement on stdout and a readable summary on stderr. All times come from
// the monotonic clock (steady_clock); warm-up samples are discarded.
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;
using net::awaitable;
using net::use_awaitable;

std::int64_t clock_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// ---------------------------------------------------------------- options

struct options {
    std::map<std::string, std::string> kv;
    std::string get(const std::string& k, const std::string& def = "") const {
        auto it = kv.find(k);
        return it == kv.end() ? def : it->second;
    }
    long long num(const std::string& k, long long def) const {
        auto it = kv.find(k);
        return it == kv.end() ? def : std::stoll(it->second);
    }
    double real(const std::string& k, double def) const {
        auto it = kv.find(k);
        return it == kv.end() ? def : std::stod(it->second);
    }
    bool has(const std::string& k) const { return kv.count(k) != 0; }
};

std::vector<long long> parse_list(const std::string& s) {
    std::vector<long long> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(std::stoll(item));
    return out;
}

// ---------------------------------------------------------------- process stats

long read_rss_kb(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// utime + stime of a process (all its threads), in seconds.
double process_cpu_s(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = all.rfind(')');
    if (close == std::string::npos) return 0;
    std::stringstream ss(all.substr(close + 2));
    std::string field;
    // Fields after the name start at 3 (state); utime is 14, stime 15.
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && ss >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_s() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Jiffies of the whole machine (/proc/stat "cpu"): busy (not idle, iowait or
// steal), steal (taken by the hypervisor) and total.
struct jiffies {
    double busy = 0, steal = 0, total = 0;
};
jiffies machine_jiffies() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    in >> cpu;
    double v[10] = {};
    for (double& x : v) in >> x;
    jiffies j;
    for (int i = 0; i < 8; ++i) j.total += v[i];
    j.steal = v[7];
    j.busy = j.total - v[3] - v[4] - v[7];
    return j;
}

double round3(double x) { return std::round(x * 1000) / 1000; }

// CPU used by the server(s), this generator and the machine over a window, in
// cores. "other" is whatever else ran meanwhile (PostgreSQL, kernel threads,
// another job on the machine: a warning sign for the numbers).
struct cpu_window {
    explicit cpu_window(std::vector<int> p) : pids(std::move(p)) {}
    std::vector<int> pids;
    double server0 = 0, self0 = 0;
    jiffies m0;
    std::int64_t t0 = 0;
    void start() {
        server0 = 0;
        for (int p : pids) server0 += process_cpu_s(p);
        self0 = self_cpu_s();
        m0 = machine_jiffies();
        t0 = clock_ns();
    }
    json stop() const {
        const double wall = static_cast<double>(clock_ns() - t0) / 1e9;
        double server = 0;
        for (int p : pids) server += process_cpu_s(p);
        server = (server - server0) / wall;
        const double self = (self_cpu_s() - self0) / wall;
        const auto m = machine_jiffies();
        const double cores = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
        const double dt = m.total - m0.total;
        const double machine = dt > 0 ? cores * (m.busy - m0.busy) / dt : 0;
        json j{{"generator_cpu_cores", round3(self)},
               {"machine_cpu_cores", round3(machine)},
               {"steal_cpu_cores", round3(dt > 0 ? cores * (m.steal - m0.steal) / dt : 0)}};
        if (!pids.empty()) {
            j["server_cpu_cores"] = round3(server);
            j["other_cpu_cores"] = round3(std::max(0.0, machine - server - self));
        }
        return j;
    }
};

// ---------------------------------------------------------------- latency samples

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

struct latency_summary {
    std::size_t n = 0;
    double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

latency_summary summarize(std::vector<std::int64_t> v) {
    latency_summary s;
    s.n = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto rank = [&](double q) {
        // Nearest rank.
        std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
        return ms(v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)]);
    };
    s.p50 = rank(0.50);
    s.p90 = rank(0.90);
    s.p99 = rank(0.99);
    s.p999 = rank(0.999);
    s.max = ms(v.back());
    double sum = 0;
    for (auto x : v) sum += static_cast<double>(x);
    s.mean = sum / static_cast<double>(v.size()) / 1e6;
    return s;
}

double r3(double x) { return std::round(x * 1000) / 1000; }

void put_latency(json& j, const latency_summary& s) {
    j["samples"] = s.n;
    j["p50_ms"] = r3(s.p50);
    j["p90_ms"] = r3(s.p90);
    j["p99_ms"] = r3(s.p99);
    j["p999_ms"] = r3(s.p999);
    j["max_ms"] = r3(s.max);
    j["mean_ms"] = r3(s.mean);
}

// One measurement window: samples whose send falls inside it count; replies
// received inside it give the throughput.
struct recorder {
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
    std::vector<std::int64_t> lat_ns;
    std::int64_t received_in_window = 0;
    std::int64_t received_total = 0;
    void reset(std::int64_t start, std::int64_t end) {
        start_ns = start;
        end_ns = end;
        lat_ns.clear();
        received_in_window = 0;
        received_total = 0;
    }
    void add(std::int64_t sent, std::int64_t received) {
        ++received_total;
        if (sent >= start_ns && sent < end_ns) lat_ns.push_back(received - sent);
        if (received >= start_ns && received < end_ns) ++received_in_window;
    }
};

recorder g_rec;

// ---------------------------------------------------------------- a WebSocket client

struct target {
    tcp::endpoint server;
    std::string host;  // Host / Origin value "127.0.0.1:port"
};

class ws_conn {
  public:
    explicit ws_conn(net::io_context& ioc) : ws_(ioc) {}
    virtual ~ws_conn() = default;
    ws_conn(const ws_conn&) = delete;
    ws_conn& operator=(const ws_conn&) = delete;

    enum class state { idle, connecting, open, failed, closed };
    state st() const { return state_; }
    const std::string& why() const { return why_; }

    // Connects from `source` (127.0.0.x: more ephemeral ports) to `t`.
    void open(const target& t, std::optional<net::ip::address_v4> source, std::string path,
              std::string cookie = {}) {
        state_ = state::connecting;
        auto& sock = ws_.next_layer();
        beast::error_code ec;
        sock.open(tcp::v4(), ec);
        if (ec) return fail("socket", ec);
        if (source) {
            int one = 1;
#ifdef IP_BIND_ADDRESS_NO_PORT
            // Pick the port at connect() time: per (source, destination) pair.
            ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                         sizeof one);
#endif
            sock.bind(tcp::endpoint(*source, 0), ec);
            if (ec) return fail("bind", ec);
        }
        host_ = t.host;
        path_ = std::move(path);
        cookie_ = std::move(cookie);
        sock.async_connect(t.server, [this](beast::error_code e) { on_connect(e); });
    }

    void send(std::string frame) {
        if (state_ != state::open) return;
        out_.push_back(std::move(frame));
        if (out_.size() == 1) do_write();
    }

  protected:
    virtual void on_open() {}
    virtual void on_frame(const json& frame, std::int64_t received_ns) = 0;
    virtual void on_fail() {}

  private:
    void fail(const char* where, beast::error_code ec) {
        if (state_ == state::failed || state_ == state::closed) return;
        const bool was_open = state_ == state::open;
        state_ = was_open ? state::closed : state::failed;
        why_ = std::string(where) + ": " + ec.message();
        on_fail();
    }

    void on_connect(beast::error_code ec) {
        if (ec) return fail("connect", ec);
        beast::error_code ignored;
        ws_.next_layer().set_option(tcp::no_delay(true), ignored);
        ws_.set_option(websocket::stream_base::decorator(
            [origin = "http://" + host_, cookie = cookie_](websocket::request_type& req) {
                req.set(http::field::origin, origin);
                req.set(http::field::user_agent, "parley_load");
                if (!cookie.empty()) req.set(http::field::cookie, cookie);
            }));
        ws_.async_handshake(host_, path_, [this](beast::error_code e) { on_handshake(e); });
    }

    void on_handshake(beast::error_code ec) {
        if (ec) return fail("handshake", ec);
        cookie_.clear();
        cookie_.shrink_to_fit();
        state_ = state::open;
        do_read();
        on_open();
    }

    void do_read() {
        ws_.async_read(buf_, [this](beast::error_code ec, std::size_t) { on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return fail("read", ec);
        const std::int64_t now = clock_ns();
        const auto data = buf_.cdata();
        json frame = json::parse(std::string_view(static_cast<const char*>(data.data()), data.size()),
                                 nullptr, false);
        buf_.consume(buf_.size());
        if (!frame.is_discarded()) on_frame(frame, now);
        if (state_ == state::open) do_read();
    }

    void do_write() {
        ws_.async_write(net::buffer(out_.front()), [this](beast::error_code ec, std::size_t) {
            if (ec) return fail("write", ec);
            out_.pop_front();
            if (!out_.empty()) do_write();
        });
    }

    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buf_;
    std::deque<std::string> out_;
    state state_ = state::idle;
    std::string host_, path_, cookie_, why_;
};

// ---------------------------------------------------------------- shoppers

std::string hello_frame() {
    return R"({"type":"hello","token":null,"last_id":0,"locale":"en"})";
}

std::string message_frame(std::string_view client_id, const std::string& text) {
    return json{{"type", "message"}, {"client_id", client_id}, {"text", text}}.dump();
}

// Parses the number N of a client_id "x-N" (-1 if it is not ours).
std::int64_t client_number(const json& frame, char prefix) {
    auto it = frame.find("client_id");
    if (it == frame.end() || !it->is_string()) return -1;
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() < 3 || s[0] != prefix || s[1] != '-') return -1;
    std::int64_t n = 0;
    for (std::size_t i = 2; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return -1;
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

// Counters shared by every client of a run (one thread: plain integers).
struct counters {
    std::int64_t ready = 0;      // shopper: welcome + greeting; agent: hello
    std::int64_t failed = 0;     // could not open or lost before ready
    std::int64_t dropped = 0;    // lost after ready
    std::int64_t errors = 0;     // error frames
    std::int64_t pongs = 0;
    std::int64_t queued = 0;     // shoppers whose handoff was queued
    std::int64_t offline = 0;    // shoppers told "offline"
    std::int64_t agent_status = 0;  // shoppers that saw status "agent"
    std::int64_t claimed = 0;
    std::int64_t unmatched = 0;  // bot messages we could not pair with a question
    std::int64_t acks = 0;
    std::int64_t bot_messages = 0;
    std::map<std::string, std::int64_t> reply_kinds;
    std::map<std::string, std::int64_t> error_codes;
    std::string last_error;
    std::string last_fail;
};
counters g_count;

// Sends of the relay phases, by number: when each left the generator.
std::vector<std::int64_t> g_relay_sent;

class shopper final : public ws_conn {
  public:
    using ws_conn::ws_conn;

    std::string conversation_id;
    std::string status;
    bool ready = false;
    std::int64_t ping_sent_ns = 0;
    std::vector<std::int64_t>* pong_rtt = nullptr;

    // Bot scenario: questions in flight, oldest first.
    struct pending {
        std::int64_t n;
        std::int64_t sent_ns;
        std::int64_t ack = -1;
        bool answered = false;
    };
    std::deque<pending> in_flight;
    std::int64_t next_n = 0;
    bool closed_loop = false;  // send the next question as soon as a reply arrives
    bool sending = false;      // closed loop: keep going
    const std::vector<std::string>* questions = nullptr;
    std::size_t question_at = 0;

    void ask(std::int64_t now) {
        const std::int64_t n = next_n++;
        in_flight.push_back({n, now});
        const auto& q = (*questions)[question_at++ % questions->size()];
        send(message_frame("q-" + std::to_string(n), q));
    }

    void ping() {
        ping_sent_ns = clock_ns();
        send(R"({"type":"ping"})");
    }

  protected:
    void on_open() override { send(hello_frame()); }

    void on_fail() override {
        if (ready) {
            ++g_count.dropped;
        } else {
            ++g_count.failed;
        }
        g_count.last_fail = why();
    }

    void on_frame(const json& f, std::int64_t now) override {
        const std::string type = f.value("type", "");
        if (type == "message") {
            const std::string author = f.value("author", "");
            if (author == "bot") return on_bot(f, now);
            if (author == "agent") {
                const auto n = client_number(f, 'a');
                if (n >= 0 && static_cast<std::size_t>(n) < g_relay_sent.size())
                    g_rec.add(g_relay_sent[static_cast<std::size_t>(n)], now);
            }
            return;
        }
        if (type == "ack") {
            ++g_count.acks;
            const auto n = client_number(f, 'q');
            for (auto& p : in_flight)
                if (p.n == n) p.ack = f.value("id", std::int64_t{-1});
            return;
        }
        if (type == "welcome") {
            conversation_id = f.value("conversation_id", "");
            status = f.value("status", "");
            return;
        }
        if (type == "status") {
            status = f.value("status", "");
            if (status == "queued") ++g_count.queued;
            if (status == "agent") ++g_count.agent_status;
            return;
        }
        if (type == "offline") {
            ++g_count.offline;
            return;
        }
        if (type == "pong") {
            ++g_count.pongs;
            if (pong_rtt) pong_rtt->push_back(now - ping_sent_ns);
            return;
        }
        if (type == "error") {
            ++g_count.errors;
            ++g_count.error_codes[f.value("code", "?")];
            g_count.last_error = f.dump();
        }
    }

  private:
    void on_bot(const json& f, std::int64_t now) {
        if (!ready) {
            // The greeting of a new conversation.
            ready = true;
            ++g_count.ready;
            return;
        }
        ++g_count.bot_messages;
        if (f.contains("reply") && f["reply"].is_object())
            ++g_count.reply_kinds[f["reply"].value("kind", "?")];
        // A turn is stored as shopper message (ack id a) then the bot's
        // message(s) (ids > a, before the next shopper message): the reply to
        // a question is the first bot message after its ack. Extra bot lines
        // (an "offline" notice after a handoff) land on an answered question.
        const std::int64_t id = f.value("id", std::int64_t{-1});
        pending* owner = nullptr;
        for (auto& p : in_flight) {
            if (p.ack >= 0 && p.ack < id) owner = &p;
            else break;
        }
        if (!owner) {
            ++g_count.unmatched;
            return;
        }
        if (!owner->answered) {
            owner->answered = true;
            g_rec.add(owner->sent_ns, now);
        }
        // Everything before the owner can no longer be answered.
        while (!in_flight.empty() && &in_flight.front() != owner) in_flight.pop_front();
        in_flight.pop_front();
        if (closed_loop && sending && in_flight.empty()) ask(clock_ns());
    }
};

// ---------------------------------------------------------------- agents

class agent final : public ws_conn {
  public:
    using ws_conn::ws_conn;
    bool ready = false;
    std::int64_t claimed = 0;

  protected:
    void on_fail() override {
        if (ready) {
            ++g_count.dropped;
        } else {
            ++g_count.failed;
        }
        g_count.last_fail = "agent " + why();
    }
    void on_frame(const json& f, std::int64_t now) override {
        const std::string type = f.value("type", "");
        if (type == "message") {
            if (f.value("author", "") == "shopper") {
                const auto n = client_number(f, 's');
                if (n >= 0 && static_cast<std::size_t>(n) < g_relay_sent.size())
                    g_rec.add(g_relay_sent[static_cast<std::size_t>(n)], now);
            }
            return;
        }
        if (type == "hello") {
            ready = true;
            ++g_count.ready;
            return;
        }
        if (type == "claimed") {
            ++claimed;
            ++g_count.claimed;
            return;
        }
        if (type == "error") {
            ++g_count.errors;
            ++g_count.error_codes[f.value("code", "?")];
            g_count.last_error = f.dump();
        }
    }
};

// Every client lives until main() stops the io_context and clears these: a
// handler still queued must never see a destroyed client.
std::vector<std::unique_ptr<shopper>> g_shoppers;
std::vector<std::unique_ptr<agent>> g_agents;

// ---------------------------------------------------------------- helpers

awaitable<void> sleep_for(std::chrono::nanoseconds d) {
    net::steady_timer t(co_await net::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(use_awaitable);
}

template <class Pred>
awaitable<bool> wait_until(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) co_return false;
        co_await sleep_for(std::chrono::milliseconds(5));
    }
    co_return true;
}

// Calls send(i) for i = 0, 1, … at `rate` per second from now for `seconds`.
// Returns the generator's own lag behind the schedule (ns), for honesty.
template <class Send>
awaitable<std::vector<std::int64_t>> paced(double rate, double seconds, Send send) {
    net::steady_timer t(co_await net::this_coro::executor);
    const std::int64_t start = clock_ns();
    const std::int64_t end = start + static_cast<std::int64_t>(seconds * 1e9);
    const double interval_ns = 1e9 / rate;
    std::int64_t i = 0;
    std::vector<std::int64_t> lag;
    lag.reserve(static_cast<std::size_t>(rate * seconds) + 16);
    for (;;) {
        const std::int64_t now = clock_ns();
        if (now >= end) break;
        while (true) {
            const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * interval_ns);
            if (due > now) break;
            lag.push_back(now - due);
            send(i++);
        }
        t.expires_after(std::chrono::microseconds(100));
        co_await t.async_wait(use_awaitable);
    }
    co_return lag;
}

std::vector<int> parse_pids(const std::string& s) {
    std::vector<int> out;
    for (auto p : parse_list(s)) out.push_back(static_cast<int>(p));
    return out;
}

void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

long fd_limit() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    return static_cast<long>(rl.rlim_cur);
}

std::optional<net::ip::address_v4> source_address(int sources, std::size_t i) {
    if (sources <= 1) return std::nullopt;
    // 127.0.0.1 … 127.0.0.<sources>
    return net::ip::address_v4(0x7F000001u + static_cast<unsigned>(i % static_cast<std::size_t>(sources)));
}

void emit(const json& j) {
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
}

void note(const char* fmt, auto... args) {
    std::fprintf(stderr, fmt, args...);
    std::fflush(stderr);
}

json counters_json() {
    json j{{"failed", g_count.failed}, {"dropped", g_count.dropped}, {"error_frames", g_count.errors}};
    if (!g_count.error_codes.empty()) j["error_codes"] = g_count.error_codes;
    if (!g_count.last_fail.empty()) j["last_fail"] = g_count.last_fail;
    return j;
}

// Opens `n` shoppers, at most `inflight` handshakes at a time; waits until
// every one is ready (welcome + greeting) or failed.
awaitable<void> open_shoppers(net::io_context& ioc, std::vector<std::unique_ptr<shopper>>& out,
                              std::size_t n, const target& t, int sources, std::size_t inflight,
                              std::chrono::milliseconds timeout) {
    const auto base_ready = g_count.ready;
    const auto base_failed = g_count.failed;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::size_t first = out.size();
    std::size_t started = 0;
    auto done = [&] {
        return static_cast<std::size_t>(g_count.ready - base_ready + g_count.failed - base_failed);
    };
    while (done() < n && std::chrono::steady_clock::now() < deadline) {
        while (started < n && started - done() < inflight) {
            out.push_back(std::make_unique<shopper>(ioc));
            out.back()->open(t, source_address(sources, first + started), "/ws/shopper");
            ++started;
        }
        co_await sleep_for(std::chrono::milliseconds(1));
    }
}

std::string login(const target& t, const std::string& email, const std::string& password) {
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(t.server);
    http::request<http::string_body> req{http::verb::post, "/api/login", 11};
    req.set(http::field::host, t.host);
    req.set(http::field::content_type, "application/json");
    req.body() = json{{"email", email}, {"password", password}}.dump();
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    if (res.result_int() != 200)
        throw std::runtime_error("login " + email + ": HTTP " + std::to_string(res.result_int()) +
                                 " " + res.body());
    for (const auto& field : res) {
        if (field.name() != http::field::set_cookie) continue;
        std::string v(field.value());
        if (v.rfind("parley_session=", 0) == 0) return v.substr(0, v.find(';'));
    }
    throw std::runtime_error("login " + email + ": no parley_session cookie");
}

// ---------------------------------------------------------------- questions

std::vector<std::string> load_questions(const std::string& config_path) {
    std::ifstream in(config_path);
    if (!in) throw std::runtime_error("cannot read " + config_path);
    const json cfg = json::parse(in);
    std::vector<std::string> base;
    for (const auto& faq : cfg.at("faqs"))
        for (const auto& q : faq.value("questions", json::array())) {
            const std::string s = q.get<std::string>();
            bool ascii = true;
            for (unsigned char c : s) ascii = ascii && c < 0x80;
            if (!ascii) continue;  // the English ones
            base.push_back(s);
        }
    if (base.empty()) throw std::runtime_error(config_path + " has no English FAQ questions");
    // One in three paraphrased the way shoppers type: lower case, no
    // question mark, a filler word in front or behind.
    static const char* const prefixes[] = {"hi, ", "quick question: ", "hello ", "um ", ""};
    static const char* const suffixes[] = {" please", " thanks", "??", " asap", ""};
    std::mt19937 rng(42);
    std::vector<std::string> out;
    for (const auto& q : base) {
        out.push_back(q);
        if (rng() % 3 != 0) continue;
        std::string p = q;
        for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!p.empty() && (p.back() == '?' || p.back() == '.')) p.pop_back();
        out.push_back(prefixes[rng() % 5] + p + suffixes[rng() % 5]);
    }
    std::shuffle(out.begin(), out.end(), rng);
    return out;
}

// ---------------------------------------------------------------- scenario: idle

awaitable<void> run_idle(net::io_context& ioc, const options& o, const target& t, json base) {
    const auto n = static_cast<std::size_t>(o.num("sockets", 10000));
    const int sources = static_cast<int>(o.num("sources", 4));
    const auto pids = parse_pids(o.get("server-pid"));
    const int pid = pids.empty() ? -1 : pids.front();
    const long rss_before = pid > 0 ? read_rss_kb(pid) : -1;
    auto& shoppers = g_shoppers;
    shoppers.reserve(n);
    note("idle: opening %zu shopper sockets (fd limit %ld, %d source addresses)\n", n, fd_limit(),
         sources);
    cpu_window cpu{pids};
    cpu.start();
    const auto t0 = clock_ns();
    co_await open_shoppers(ioc, shoppers, n, t, sources, static_cast<std::size_t>(o.num("inflight", 200)),
                           std::chrono::seconds(o.num("open-timeout-s", 120)));
    const double open_s = static_cast<double>(clock_ns() - t0) / 1e9;
    const json open_cpu = cpu.stop();
    note("idle: %lld ready, %lld failed in %.1f s; idling %lld s\n",
         static_cast<long long>(g_count.ready), static_cast<long long>(g_count.failed), open_s,
         o.num("idle-s", 5));
    co_await sleep_for(std::chrono::seconds(2));
    const long rss_settled = pid > 0 ? read_rss_kb(pid) : -1;
    cpu.start();
    co_await sleep_for(std::chrono::seconds(o.num("idle-s", 5)));
    const json idle_cpu = cpu.stop();
    const long rss_after = pid > 0 ? read_rss_kb(pid) : -1;
    // Are they really alive? Ping a sample spread over all of them.
    std::vector<std::int64_t> rtt;
    const std::size_t sample = std::min<std::size_t>(200, shoppers.size());
    std::size_t pinged = 0;
    for (std::size_t i = 0; i < sample; ++i) {
        auto& s = shoppers[i * shoppers.size() / sample];
        if (s->st() != ws_conn::state::open) continue;
        s->pong_rtt = &rtt;
        s->ping();
        ++pinged;
    }
    co_await wait_until([&] { return rtt.size() >= pinged; }, std::chrono::seconds(5));
    std::size_t open_now = 0;
    for (auto& s : shoppers) open_now += s->st() == ws_conn::state::open;

    json j = base;
    j["scenario"] = "idle_sockets";
    j["sockets"] = n;
    j["ready"] = g_count.ready;
    j["open_at_end"] = open_now;
    j["open_s"] = r3(open_s);
    j["opens_per_s"] = r3(static_cast<double>(g_count.ready) / open_s);
    j["rss_before_kb"] = rss_before;
    j["rss_after_kb"] = rss_after;
    j["rss_settled_kb"] = rss_settled;
    const double per = g_count.ready > 0 && rss_before > 0
                           ? static_cast<double>(rss_after - rss_before) / static_cast<double>(g_count.ready)
                           : 0;
    j["kb_per_socket"] = r3(per);
    j["target_kb_per_socket"] = 50;
    j["ping_sample"] = pinged;
    j["pongs"] = rtt.size();
    const auto ping = summarize(rtt);
    j["ping_p50_ms"] = r3(ping.p50);
    j["ping_max_ms"] = r3(ping.max);
    j["open_phase"] = open_cpu;
    j["idle_phase"] = idle_cpu;
    j.update(counters_json());
    emit(j);
    note("idle: %lld sockets ready (%zu still open at the end), server RSS %ld → %ld KB: %.1f KB per "
         "socket (target ≤ 50); opened at %.0f/s; idle server CPU %.3f cores; %zu/%zu pings "
         "answered, p50 %.2f ms\n",
         static_cast<long long>(g_count.ready), open_now, rss_before, rss_after, per,
         static_cast<double>(g_count.ready) / open_s,
         idle_cpu.value("server_cpu_cores", 0.0), rtt.size(), pinged, ping.p50);
}

// ---------------------------------------------------------------- scenario: bot

awaitable<void> run_bot(net::io_context& ioc, const options& o, const target& t, json base) {
    const auto n = static_cast<std::size_t>(o.num("sockets", 200));
    const auto questions = load_questions(o.get("config"));
    const auto pids = parse_pids(o.get("server-pid"));
    const double warmup = o.real("warmup-s", 2);
    const double measure = o.real("measure-s", 5);
    const double target_p99 = o.real("p99-target-ms", 20);
    auto& shoppers = g_shoppers;
    co_await open_shoppers(ioc, shoppers, n, t, static_cast<int>(o.num("sources", 1)), 100,
                           std::chrono::seconds(60));
    for (std::size_t i = 0; i < shoppers.size(); ++i) {
        shoppers[i]->questions = &questions;
        shoppers[i]->question_at = i * 7;  // different sockets ask different things
    }
    note("bot: %lld shopper sockets ready (%zu questions, %lld failed)\n",
         static_cast<long long>(g_count.ready), questions.size(), static_cast<long long>(g_count.failed));
    auto all_idle = [&] {
        for (auto& s : shoppers)
            if (!s->in_flight.empty()) return false;
        return true;
    };
    auto drop_in_flight = [&] {
        std::int64_t lost = 0;
        for (auto& s : shoppers) {
            for (auto& p : s->in_flight) lost += !p.answered;
            s->in_flight.clear();
        }
        return lost;
    };

    // Closed loop: one question in flight per socket.
    if (o.real("closed-s", 8) > 0) {
        const double closed_s = o.real("closed-s", 8);
        const auto start = clock_ns() + static_cast<std::int64_t>(warmup * 1e9);
        g_rec.reset(start, start + static_cast<std::int64_t>(closed_s * 1e9));
        g_count.reply_kinds.clear();
        for (auto& s : shoppers) {
            if (s->st() != ws_conn::state::open) continue;
            s->closed_loop = true;
            s->sending = true;
            s->ask(clock_ns());
        }
        co_await sleep_for(std::chrono::nanoseconds(static_cast<std::int64_t>(warmup * 1e9)));
        cpu_window cpu{pids};
        cpu.start();
        co_await sleep_for(std::chrono::nanoseconds(static_cast<std::int64_t>(closed_s * 1e9)));
        const json used = cpu.stop();
        for (auto& s : shoppers) s->sending = false;
        co_await wait_until(all_idle, std::chrono::seconds(5));
        const auto lost = drop_in_flight();
        for (auto& s : shoppers) s->closed_loop = false;
        const auto lat = summarize(g_rec.lat_ns);
        const double rps = static_cast<double>(g_rec.received_in_window) / closed_s;
        json j = base;
        j["scenario"] = "bot_closed_loop";
        j["sockets"] = shoppers.size();
        j["in_flight_per_socket"] = 1;
        j["measure_s"] = closed_s;
        j["warmup_s"] = warmup;
        j["replies"] = g_rec.received_in_window;
        j["replies_per_s"] = std::round(rps);
        put_latency(j, lat);
        j["no_reply"] = lost;
        j["reply_kinds"] = g_count.reply_kinds;
        j["unmatched_bot_messages"] = g_count.unmatched;
        j.update(used);
        if (rps > 0 && used.contains("server_cpu_cores"))
            j["server_cpu_us_per_reply"] = std::round(used["server_cpu_cores"].get<double>() * 1e6 / rps);
        j.update(counters_json());
        emit(j);
        note("bot closed loop (%zu sockets, 1 in flight each): %.0f replies/s, p50 %.2f ms, p99 %.2f "
             "ms, max %.2f ms; server %.2f cores, generator %.2f, machine %.2f of 2\n",
             shoppers.size(), rps, lat.p50, lat.p99, lat.max, used.value("server_cpu_cores", 0.0),
             used.value("generator_cpu_cores", 0.0), used.value("machine_cpu_cores", 0.0));
    }

    // Open loop: a fixed total rate spread round-robin over the sockets.
    const auto rates = parse_list(o.get("rates", "1000,2000,3000,4000,5000,6000"));
    double best_ok = 0;
    std::size_t next_socket = 0;
    int over = 0;
    for (const auto rate : rates) {
        g_count.reply_kinds.clear();
        g_count.acks = g_count.bot_messages = g_count.unmatched = 0;
        const auto start = clock_ns() + static_cast<std::int64_t>(warmup * 1e9);
        g_rec.reset(start, start + static_cast<std::int64_t>(measure * 1e9));
        cpu_window cpu{pids};
        bool cpu_started = false;
        json used;
        auto lag = co_await paced(static_cast<double>(rate), warmup + measure, [&](std::int64_t) {
            const auto now = clock_ns();
            if (!cpu_started && now >= start) {
                cpu.start();
                cpu_started = true;
            }
            for (std::size_t tries = 0; tries < shoppers.size(); ++tries) {
                auto& s = shoppers[next_socket++ % shoppers.size()];
                if (s->st() != ws_conn::state::open) continue;
                s->ask(now);
                break;
            }
        });
        if (cpu_started) used = cpu.stop();
        co_await wait_until(all_idle, std::chrono::seconds(3));
        const auto lost = drop_in_flight();
        const std::size_t skip = static_cast<std::size_t>(static_cast<double>(rate) * warmup);
        if (lag.size() > skip) lag.erase(lag.begin(), lag.begin() + static_cast<std::ptrdiff_t>(skip));
        const auto lag_s = summarize(lag);
        const auto lat = summarize(g_rec.lat_ns);
        const double rps = static_cast<double>(g_rec.received_in_window) / measure;
        const bool ok = lat.n > 0 && lat.p99 <= target_p99 && rps >= 0.95 * static_cast<double>(rate) && lost == 0;
        if (ok) best_ok = std::max(best_ok, static_cast<double>(rate));
        json j = base;
        j["scenario"] = "bot_open_loop";
        j["sockets"] = shoppers.size();
        j["rate"] = rate;
        j["measure_s"] = measure;
        j["warmup_s"] = warmup;
        j["replies_per_s"] = std::round(rps);
        put_latency(j, lat);
        j["no_reply"] = lost;
        j["meets_p99_target"] = ok;
        j["generator_lag_p99_ms"] = r3(lag_s.p99);
        j["generator_lag_max_ms"] = r3(lag_s.max);
        j["reply_kinds"] = g_count.reply_kinds;
        j["acks"] = g_count.acks;
        j["bot_messages"] = g_count.bot_messages;
        j["unmatched_bot_messages"] = g_count.unmatched;
        j.update(used);
        if (rps > 0 && used.contains("server_cpu_cores"))
            j["server_cpu_us_per_reply"] = std::round(used["server_cpu_cores"].get<double>() * 1e6 / rps);
        j.update(counters_json());
        emit(j);
        note("bot open loop %lld/s: %.0f replies/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms%s; server "
             "%.2f cores, generator %.2f (lag p99 %.2f ms)\n",
             rate, rps, lat.p50, lat.p99, lat.max, ok ? "" : "  (target missed)",
             used.value("server_cpu_cores", 0.0), used.value("generator_cpu_cores", 0.0), lag_s.p99);
        // Two steps past the limit tell us nothing new.
        if (!ok && ++over >= 2) break;
        if (rps < 0.8 * static_cast<double>(rate)) break;  // saturated
    }
    json j = base;
    j["scenario"] = "bot_summary";
    j["best_rate_meeting_p99"] = best_ok;
    j["p99_target_ms"] = target_p99;
    j["target_rate"] = 5000;
    emit(j);
    note("bot: best open-loop rate with p99 ≤ %.0f ms: %.0f messages/s (target 5000/s)\n", target_p99,
         best_ok);
}

// ---------------------------------------------------------------- scenario: relay

awaitable<void> run_relay(net::io_context& ioc, const options& o, const target& shop_t,
                          const target& agent_t, json base) {
    const auto k = static_cast<std::size_t>(o.num("conversations", 100));
    const auto n_agents = static_cast<std::size_t>(o.num("agents", 4));
    const double rate = o.real("rate", 1000);
    const double warmup = o.real("warmup-s", 2);
    const double measure = o.real("measure-s", 18);
    const auto pids = parse_pids(o.get("server-pid"));
    const std::string pattern = o.get("agent-email", "agent%d@load.test");
    const std::string password = o.get("agent-password", "load-test-pass");

    auto& agents = g_agents;
    for (std::size_t i = 0; i < n_agents; ++i) {
        char email[256];
        std::snprintf(email, sizeof email, pattern.c_str(), static_cast<int>(i + 1));
        const std::string cookie = login(agent_t, email, password);
        agents.push_back(std::make_unique<agent>(ioc));
        agents.back()->open(agent_t, std::nullopt, "/ws/agent", cookie);
    }
    if (!co_await wait_until([&] { return g_count.ready + g_count.failed >= static_cast<std::int64_t>(n_agents); },
                             std::chrono::seconds(10)) ||
        g_count.failed > 0)
        throw std::runtime_error("agents could not connect: " + g_count.last_fail);
    // Presence travels over the bus to the shoppers' node (PostgreSQL NOTIFY).
    co_await sleep_for(std::chrono::milliseconds(o.num("presence-wait-ms", 500)));
    g_count.ready = 0;

    auto& shoppers = g_shoppers;
    co_await open_shoppers(ioc, shoppers, k, shop_t, 1, 50, std::chrono::seconds(60));
    if (g_count.ready < static_cast<std::int64_t>(k))
        throw std::runtime_error("shoppers not ready: " + std::to_string(g_count.ready) + "/" +
                                 std::to_string(k) + " " + g_count.last_fail);
    for (auto& s : shoppers) s->send(message_frame("h-1", "I want to talk to a human"));
    co_await wait_until([&] { return g_count.queued + g_count.offline >= static_cast<std::int64_t>(k); },
                        std::chrono::seconds(20));
    if (g_count.offline > 0)
        throw std::runtime_error(std::to_string(g_count.offline) +
                                 " handoffs went offline (outside business hours or no agent online "
                                 "on the shoppers' node)");
    if (g_count.queued < static_cast<std::int64_t>(k))
        throw std::runtime_error("only " + std::to_string(g_count.queued) + "/" + std::to_string(k) +
                                 " conversations were queued; last error " + g_count.last_error);
    // Agent i % A claims conversation i.
    for (std::size_t i = 0; i < k; ++i)
        agents[i % n_agents]->send(
            json{{"type", "claim"}, {"conversation_id", shoppers[i]->conversation_id}}.dump());
    co_await wait_until([&] {
        return g_count.claimed >= static_cast<std::int64_t>(k) &&
               g_count.agent_status >= static_cast<std::int64_t>(k);
    }, std::chrono::seconds(30));
    if (g_count.claimed < static_cast<std::int64_t>(k))
        throw std::runtime_error("only " + std::to_string(g_count.claimed) + "/" + std::to_string(k) +
                                 " claims succeeded; last error " + g_count.last_error);
    note("relay: %zu conversations handed off and claimed by %zu agents\n", k, n_agents);
    co_await sleep_for(std::chrono::milliseconds(500));  // queue refreshes settle

    static const char* const agent_lines[] = {
        "Thanks for waiting, I'm looking at your order now.",
        "Could you tell me the size you ordered?",
        "I've sent a prepaid return label to your email.",
        "Your parcel left our warehouse yesterday and should arrive soon.",
    };
    static const char* const shopper_lines[] = {
        "ok thanks", "it was a medium jacket", "when will it arrive?", "great, thank you!",
    };
    for (const bool to_shopper : {true, false}) {
        const char* direction = to_shopper ? "agent_to_shopper" : "shopper_to_agent";
        const auto total = static_cast<std::size_t>(rate * (warmup + measure)) + 16;
        g_relay_sent.assign(total, 0);
        const auto errors_before = g_count.errors;
        const auto start = clock_ns() + static_cast<std::int64_t>(warmup * 1e9);
        g_rec.reset(start, start + static_cast<std::int64_t>(measure * 1e9));
        cpu_window cpu{pids};
        bool cpu_started = false;
        json used;
        std::int64_t sent = 0;
        auto lag = co_await paced(rate, warmup + measure, [&](std::int64_t i) {
            const auto now = clock_ns();
            if (!cpu_started && now >= start) {
                cpu.start();
                cpu_started = true;
            }
            if (static_cast<std::size_t>(i) >= g_relay_sent.size()) return;
            const std::size_t c = static_cast<std::size_t>(i) % k;
            g_relay_sent[static_cast<std::size_t>(i)] = now;
            ++sent;
            if (to_shopper) {
                agents[c % n_agents]->send(json{{"type", "reply"},
                                                {"conversation_id", shoppers[c]->conversation_id},
                                                {"client_id", "a-" + std::to_string(i)},
                                                {"text", agent_lines[i % 4]}}
                                               .dump());
            } else {
                shoppers[c]->send(message_frame("s-" + std::to_string(i), shopper_lines[i % 4]));
            }
        });
        if (cpu_started) used = cpu.stop();
        co_await wait_until([&] { return g_rec.received_total >= sent; }, std::chrono::seconds(5));
        const std::size_t skip = static_cast<std::size_t>(rate * warmup);
        if (lag.size() > skip) lag.erase(lag.begin(), lag.begin() + static_cast<std::ptrdiff_t>(skip));
        const auto lag_s = summarize(lag);
        const auto lat = summarize(g_rec.lat_ns);
        json j = base;
        j["scenario"] = "relay";
        j["direction"] = direction;
        j["conversations"] = k;
        j["agents"] = n_agents;
        j["rate"] = rate;
        j["measure_s"] = measure;
        j["warmup_s"] = warmup;
        j["sent"] = sent;
        j["received"] = g_rec.received_total;
        j["lost"] = sent - g_rec.received_total;
        j["delivered_per_s"] = std::round(static_cast<double>(g_rec.received_in_window) / measure);
        put_latency(j, lat);
        j["p99_target_ms"] = 10;
        j["generator_lag_p99_ms"] = r3(lag_s.p99);
        j["generator_lag_max_ms"] = r3(lag_s.max);
        j["error_frames_in_phase"] = g_count.errors - errors_before;
        j.update(used);
        j.update(counters_json());
        emit(j);
        note("relay %s at %.0f/s (%zu conversations, %zu agents): p50 %.2f ms, p99 %.2f ms, max %.2f "
             "ms, %lld lost; server %.2f cores, generator %.2f, machine %.2f of 2\n",
             direction, rate, k, n_agents, lat.p50, lat.p99, lat.max,
             static_cast<long long>(sent - g_rec.received_total), used.value("server_cpu_cores", 0.0),
             used.value("generator_cpu_cores", 0.0), used.value("machine_cpu_cores", 0.0));
    }
}

constexpr const char* usage =
    "usage: parley_load idle|bot|relay --port P [options]  (see the top of parley_load.cpp)\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(usage, stderr);
        return 2;
    }
    const std::string scenario = argv[1];
    options o;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || i + 1 >= argc) {
            std::fprintf(stderr, "parley_load: bad argument '%s'\n%s", a.c_str(), usage);
            return 2;
        }
        o.kv[a.substr(2)] = argv[++i];
    }
    if (!o.has("port")) {
        std::fputs(usage, stderr);
        return 2;
    }
    raise_fd_limit();
    const std::string host = o.get("host", "127.0.0.1");
    auto make_target = [&](long long port) {
        target t;
        t.server = tcp::endpoint(net::ip::make_address(host), static_cast<unsigned short>(port));
        t.host = host + ":" + std::to_string(port);
        return t;
    };
    const target shop_t = make_target(o.num("port", 0));
    const target agent_t = make_target(o.num("agent-port", o.num("port", 0)));
    json base{{"bench", "load"}, {"generator_cpus", 1}};
    if (o.has("label")) base["label"] = o.get("label");
    base["nodes"] = o.has("agent-port") && o.get("agent-port") != o.get("port") ? 2 : 1;

    net::io_context ioc(1);
    int rc = 0;
    auto body = [&]() -> awaitable<void> {
        if (scenario == "idle")
            co_await run_idle(ioc, o, shop_t, base);
        else if (scenario == "bot")
            co_await run_bot(ioc, o, shop_t, base);
        else if (scenario == "relay")
            co_await run_relay(ioc, o, shop_t, agent_t, base);
        else
            throw std::invalid_argument("unknown scenario '" + scenario + "'");
    };
    net::co_spawn(ioc, body(), [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::fprintf(stderr, "parley_load %s: %s\n", scenario.c_str(), ex.what());
                rc = 1;
            }
        }
        ioc.stop();  // the clients' reads would keep it running forever
    });
    ioc.run();
    // Clients go before the io_context; their queued handlers are never run.
    g_shoppers.clear();
    g_agents.clear();
    return rc;
}
