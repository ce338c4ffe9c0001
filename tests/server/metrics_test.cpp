#include "metrics.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <thread>
#include <vector>

using namespace parley::server;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l))
        if (l == line) return true;
    return false;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("counters and gauges render with HELP and TYPE once per family") {
    metrics_registry r;
    auto& bot = r.counter("parley_messages_total", "Messages stored.", {{"author", "bot"}});
    auto& shopper = r.counter("parley_messages_total", "Messages stored.", {{"author", "shopper"}});
    bot.inc();
    bot.inc(2);
    shopper.inc();
    shopper.inc(-5);  // ignored: counters only go up
    auto& waiting = r.gauge("parley_queue_waiting", "Conversations waiting for an agent.");
    waiting.set(4);
    waiting.dec();
    waiting.inc(0.5);

    const std::string text = r.render();
    CHECK(count_of(text, "# HELP parley_messages_total") == 1);
    CHECK(has_line(text, "# HELP parley_messages_total Messages stored."));
    CHECK(has_line(text, "# TYPE parley_messages_total counter"));
    CHECK(has_line(text, "parley_messages_total{author=\"bot\"} 3"));
    CHECK(has_line(text, "parley_messages_total{author=\"shopper\"} 1"));
    CHECK(has_line(text, "# TYPE parley_queue_waiting gauge"));
    CHECK(has_line(text, "parley_queue_waiting 3.5"));
    // Families come out sorted by name, HELP before TYPE before samples.
    CHECK(text.find("# HELP parley_messages_total") < text.find("# TYPE parley_messages_total"));
    CHECK(text.find("parley_messages_total{") < text.find("# HELP parley_queue_waiting"));
    CHECK(text.back() == '\n');
}

TEST_CASE("the same name and labels return the same metric") {
    metrics_registry r;
    auto& a = r.counter("x_total", "h", {{"a", "1"}, {"b", "2"}});
    auto& b = r.counter("x_total", "h", {{"b", "2"}, {"a", "1"}});
    CHECK(&a == &b);
    auto& c = r.counter("x_total", "h", {{"a", "1"}, {"b", "3"}});
    CHECK(&a != &c);
    // References stay valid while many more series are created.
    for (int i = 0; i < 1000; ++i) r.counter("x_total", "h", {{"a", std::to_string(i + 10)}});
    a.inc();
    CHECK(r.counter("x_total", "h", {{"a", "1"}, {"b", "2"}}).value() == 1);
}

TEST_CASE("histograms render cumulative buckets, sum and count") {
    metrics_registry r;
    auto& h = r.histogram("parley_reply_seconds", "Reply latency.", {{"path", "/ws"}});
    h.observe(0.0003);
    h.observe(0.001);  // on a bound: counted in le="0.001"
    h.observe(0.2);
    h.observe(7.0);  // beyond every bound: +Inf only
    h.observe(std::chrono::milliseconds(30));
    const std::string text = r.render();
    CHECK(has_line(text, "# TYPE parley_reply_seconds histogram"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"0.0005\"} 1"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"0.001\"} 2"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"0.025\"} 2"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"0.05\"} 3"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"0.25\"} 4"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"2.5\"} 4"));
    CHECK(has_line(text, "parley_reply_seconds_bucket{path=\"/ws\",le=\"+Inf\"} 5"));
    CHECK(has_line(text, "parley_reply_seconds_count{path=\"/ws\"} 5"));
    CHECK(h.sum() == doctest::Approx(7.2313));
    CHECK(text.find("parley_reply_seconds_sum{path=\"/ws\"} 7.2313") != std::string::npos);
    CHECK(count_of(text, "_bucket{") == default_latency_buckets().size() + 1);

    auto& plain = r.histogram("sizes", "Sizes.", {}, {1, 10});
    plain.observe(5);
    const std::string t2 = r.render();
    CHECK(has_line(t2, "sizes_bucket{le=\"1\"} 0"));
    CHECK(has_line(t2, "sizes_bucket{le=\"10\"} 1"));
    CHECK(has_line(t2, "sizes_sum 5"));
    CHECK(has_line(t2, "sizes_count 1"));
}

TEST_CASE("label values and help text are escaped") {
    metrics_registry r;
    r.counter("odd_total", "Line one\nback\\slash", {{"v", "a\"b\\c\nd"}}).inc();
    const std::string text = r.render();
    CHECK(has_line(text, "# HELP odd_total Line one\\nback\\\\slash"));
    CHECK(has_line(text, "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1"));
    CHECK(escape_label_value("plain") == "plain");
}

TEST_CASE("invalid names and conflicting registrations throw") {
    metrics_registry r;
    CHECK_THROWS_AS(r.counter("1bad", "h"), std::invalid_argument);
    CHECK_THROWS_AS(r.counter("bad-name", "h"), std::invalid_argument);
    CHECK_THROWS_AS(r.counter("ok_total", "h", {{"bad-label", "x"}}), std::invalid_argument);
    CHECK_THROWS_AS(r.counter("ok_total", "h", {{"__reserved", "x"}}), std::invalid_argument);
    CHECK_THROWS_AS(r.counter("ok_total", "h", {{"a", "x"}, {"a", "y"}}), std::invalid_argument);
    CHECK_THROWS_AS(r.histogram("h_seconds", "h", {{"le", "1"}}), std::invalid_argument);
    CHECK_THROWS_AS(r.histogram("h_seconds", "h", {}, {1, 1}), std::invalid_argument);
    CHECK_THROWS_AS(r.histogram("h_seconds", "h", {}, {2, 1}), std::invalid_argument);
    r.counter("used_total", "h");
    CHECK_THROWS_AS(r.gauge("used_total", "h"), std::logic_error);
    r.histogram("lat_seconds", "h", {}, {1, 2});
    CHECK_THROWS_AS(r.histogram("lat_seconds", "h", {}, {1, 3}), std::logic_error);
    CHECK_NOTHROW(r.counter("ns:sub_total", "colons are allowed in metric names"));
}

TEST_CASE("concurrent increments are all counted") {
    metrics_registry r;
    auto& c = r.counter("hits_total", "h");
    auto& h = r.histogram("work_seconds", "h");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10000; ++i) {
                c.inc();
                h.observe(0.001 * (i % 3));
                if (i % 1000 == 0) r.counter("hits_total", "h", {{"t", std::to_string(t)}}).inc();
                if (i % 2500 == 0) (void)r.render();
            }
        });
    for (auto& th : threads) th.join();
    CHECK(c.value() == 40000);
    CHECK(h.count() == 40000);
    CHECK(h.sum() == doctest::Approx(0.001 * 40000).epsilon(0.01));
    CHECK(has_line(r.render(), "hits_total 40000"));
}
