#include "embeddings_client.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

namespace parley::server {

namespace net = boost::asio;
using nlohmann::json;

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

embeddings_result failure(std::string error) {
    embeddings_result r;
    r.error = std::move(error);
    return r;
}

}  // namespace

std::string embeddings_url(std::string_view url) {
    std::string u(url);
    while (!u.empty() && u.back() == '/') u.pop_back();
    auto ends_with = [&](std::string_view tail) {
        return u.size() >= tail.size() && u.compare(u.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (ends_with("/embeddings")) return u;
    if (ends_with("/v1")) return u + "/embeddings";
    return u + "/v1/embeddings";
}

std::string embeddings_request_body(const embeddings_endpoint& endpoint,
                                    const std::vector<std::string>& texts) {
    json body{{"input", texts}, {"encoding_format", "float"}};
    if (!endpoint.model.empty()) body["model"] = endpoint.model;
    if (!endpoint.input_type.empty()) body["input_type"] = endpoint.input_type;
    // Texts come from shoppers: replace invalid UTF-8 rather than throw.
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<float> embeddings_result::rows() const {
    std::vector<float> out;
    out.reserve(vectors.size() * dimension());
    for (const auto& v : vectors) out.insert(out.end(), v.begin(), v.end());
    return out;
}

embeddings_result parse_embeddings_response(int status, std::string_view body, std::size_t count) {
    const json j = json::parse(body, nullptr, false);
    if (status < 200 || status >= 300) {
        std::string detail;
        if (!j.is_discarded() && j.is_object() && j.contains("error")) {
            const auto& e = j["error"];
            if (e.is_object() && e.contains("message") && e["message"].is_string())
                detail = e["message"].get<std::string>();
            else if (e.is_string())
                detail = e.get<std::string>();
        }
        if (detail.empty()) detail = std::string(body.substr(0, 200));
        return failure("HTTP " + std::to_string(status) + (detail.empty() ? "" : ": " + detail));
    }
    if (j.is_discarded() || !j.is_object()) return failure("the answer is not a JSON object");
    const auto data = j.find("data");
    if (data == j.end() || !data->is_array()) return failure("the answer has no \"data\" array");
    if (data->size() != count)
        return failure("asked for " + std::to_string(count) + " embeddings, got " +
                       std::to_string(data->size()));
    embeddings_result r;
    r.vectors.resize(count);
    std::vector<bool> seen(count, false);
    std::size_t dimension = 0;
    for (std::size_t i = 0; i < data->size(); ++i) {
        const auto& item = (*data)[i];
        if (!item.is_object()) return failure("data[" + std::to_string(i) + "] is not an object");
        std::size_t index = i;
        if (const auto it = item.find("index"); it != item.end()) {
            if (!it->is_number_unsigned() || it->get<std::size_t>() >= count)
                return failure("data[" + std::to_string(i) + "].index is out of range");
            index = it->get<std::size_t>();
        }
        if (seen[index]) return failure("index " + std::to_string(index) + " appears twice");
        seen[index] = true;
        const auto emb = item.find("embedding");
        if (emb == item.end() || !emb->is_array() || emb->empty())
            return failure("data[" + std::to_string(i) +
                           "].embedding is not an array of numbers (base64 is not asked for)");
        if (dimension == 0) dimension = emb->size();
        if (emb->size() != dimension)
            return failure("embeddings of different dimensions (" + std::to_string(dimension) +
                           " and " + std::to_string(emb->size()) + ")");
        auto& out = r.vectors[index];
        out.reserve(dimension);
        for (const auto& v : *emb) {
            if (!v.is_number()) return failure("an embedding holds a non-number");
            const double d = v.get<double>();
            if (!std::isfinite(d)) return failure("an embedding holds a non-finite number");
            out.push_back(static_cast<float>(d));
        }
    }
    return r;
}

embeddings_client::embeddings_client(http_client& http, embeddings_endpoint endpoint)
    : http_(http), endpoint_(std::move(endpoint)), url_(embeddings_url(endpoint_.url)) {}

net::awaitable<embeddings_result> embeddings_client::embed(std::vector<std::string> texts,
                                                           std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    if (texts.empty()) co_return embeddings_result{};
    outbound_request req;
    req.method = "POST";
    req.url = url_;
    req.body = embeddings_request_body(endpoint_, texts);
    req.timeout = timeout;
    // ~10 bytes per number as JSON text: 1024 dimensions x 256 inputs fit.
    req.max_response_bytes = std::size_t{8} << 20;
    const outbound_response res = co_await http_.fetch(std::move(req));
    embeddings_result r;
    if (res.status == 0) {
        r.error = res.error.empty() ? "no answer" : res.error;
        r.timed_out = res.timed_out;
    } else {
        r = parse_embeddings_response(res.status, res.body, texts.size());
    }
    if (!r.ok()) r.error = url_ + ": " + r.error;
    r.ms = ms_since(start);
    co_return r;
}

net::awaitable<embeddings_result> embeddings_client::embed_all(std::vector<std::string> texts,
                                                               std::size_t batch,
                                                               std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    batch = std::max<std::size_t>(batch, 1);
    embeddings_result all;
    all.vectors.reserve(texts.size());
    for (std::size_t at = 0; at < texts.size(); at += batch) {
        const auto end = std::min(texts.size(), at + batch);
        std::vector<std::string> part(std::make_move_iterator(texts.begin() + at),
                                      std::make_move_iterator(texts.begin() + end));
        auto r = co_await embed(std::move(part), timeout);
        if (!r.ok()) {
            r.vectors.clear();
            r.ms = ms_since(start);
            co_return r;
        }
        if (!all.vectors.empty() && !r.vectors.empty() &&
            r.vectors.front().size() != all.vectors.front().size()) {
            all.vectors.clear();
            all.error = url_ + ": the dimension changed between requests";
            co_return all;
        }
        for (auto& v : r.vectors) all.vectors.push_back(std::move(v));
    }
    all.ms = ms_since(start);
    co_return all;
}

void embeddings_client::embed_with_deadline(net::any_io_executor executor,
                                            std::vector<std::string> texts,
                                            std::chrono::milliseconds deadline,
                                            std::function<void(embeddings_result)> done) {
    // Both completions run on `executor`, so `fired` needs no lock; the
    // request may finish later in the background (http_client's timeout
    // ends it), its answer then unused.
    struct state {
        explicit state(net::any_io_executor ex) : timer(ex) {}
        net::steady_timer timer;
        std::function<void(embeddings_result)> done;
        bool fired = false;
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    };
    auto st = std::make_shared<state>(executor);
    st->done = std::move(done);
    st->timer.expires_after(deadline);
    st->timer.async_wait([st](boost::system::error_code) {
        if (st->fired) return;
        st->fired = true;
        embeddings_result r;
        r.timed_out = true;
        r.error = "no answer within " +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - st->start)
                                     .count()) +
                  " ms";
        r.ms = ms_since(st->start);
        st->done(std::move(r));
    });
    net::co_spawn(executor, embed(std::move(texts), deadline),
                  net::bind_executor(executor, [st](std::exception_ptr e, embeddings_result r) {
                      if (st->fired) return;
                      st->fired = true;
                      st->timer.cancel();
                      if (e) r = failure("the request failed unexpectedly");
                      st->done(std::move(r));
                  }));
}

embeddings_result embed_blocking(const embeddings_endpoint& endpoint,
                                 std::vector<std::string> texts, std::size_t batch,
                                 std::chrono::milliseconds timeout) {
    net::io_context ioc;
    http_client http;
    embeddings_client client(http, endpoint);
    auto future =
        net::co_spawn(ioc, client.embed_all(std::move(texts), batch, timeout), net::use_future);
    ioc.run();
    return future.get();
}

}  // namespace parley::server
