#pragma once
// A small Prometheus registry the server owns (no globals, so tests and
// several servers in one process don't share counts). Metrics are created
// once with their labels and handed out by reference; the references stay
// valid for the registry's lifetime, so hot paths keep them and only touch
// atomics. Registration takes a mutex; render() produces the text
// exposition format 0.0.4 for GET /metrics.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::server {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class counter_metric {
  public:
    // Negative increments are ignored: a counter only goes up.
    void inc(double v = 1) {
        if (v > 0) value_.fetch_add(v, std::memory_order_relaxed);
    }
    double value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

class gauge_metric {
  public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
    void dec(double v = 1) { value_.fetch_sub(v, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

class histogram_metric {
  public:
    // `bounds`: upper bounds, strictly increasing, finite (+Inf is implied).
    explicit histogram_metric(std::vector<double> bounds);
    void observe(double v);
    void observe(std::chrono::steady_clock::duration d) {
        observe(std::chrono::duration<double>(d).count());
    }
    const std::vector<double>& bounds() const { return bounds_; }
    // Cumulative counts per bound, then +Inf (= count()).
    std::vector<std::uint64_t> cumulative_counts() const;
    std::uint64_t count() const;
    double sum() const { return sum_.load(std::memory_order_relaxed); }

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, last = +Inf
    std::atomic<double> sum_{0};
};

// Seconds, for request and reply latencies: 0.5 ms … 2.5 s.
std::vector<double> default_latency_buckets();

class metrics_registry {
  public:
    metrics_registry();
    ~metrics_registry();
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    // The same name and labels (in any order) return the same metric again.
    // Throws std::invalid_argument for an invalid metric or label name
    // ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' nor a "__" prefix, "le"
    // reserved for histograms), and std::logic_error when a name is reused
    // with another type or (for histograms) other buckets.
    counter_metric& counter(std::string_view name, std::string_view help,
                            metric_labels labels = {});
    gauge_metric& gauge(std::string_view name, std::string_view help, metric_labels labels = {});
    histogram_metric& histogram(std::string_view name, std::string_view help,
                                metric_labels labels = {},
                                std::vector<double> bounds = default_latency_buckets());

    // Families sorted by name, series in creation order; HELP/TYPE once per family.
    std::string render() const;

  private:
    struct family;
    family& family_for(std::string_view name, std::string_view help, int type);

    mutable std::mutex mutex_;  // registration and render walk; never the hot path
    std::map<std::string, std::unique_ptr<family>, std::less<>> families_;
};

// Label value escaping of the text format: \ → \\, " → \", newline → \n.
std::string escape_label_value(std::string_view v);

}  // namespace parley::server
