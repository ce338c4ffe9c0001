#pragma once
// Plain HTTP requests of `parley serve`: static pages, /healthz, /metrics and
// the JSON REST API of PROTOCOL.md, with sign-in cookies and CSRF checks. One
// function from request to response, so it is testable without sockets.
#include <boost/beast/http.hpp>
#include <optional>
#include <string>

#include "hub.hpp"

namespace parley::server {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

http_response handle_request(hub& h, const http_request& req, const std::string& ip);

// The signed-in agent of a request (the parley_session cookie), if any.
struct signed_in {
    agent_record agent;
    auth_session_record session;
};
std::optional<signed_in> authenticate(hub& h, const http_request& req);

http_response error_response(const http_request& req, unsigned status, std::string_view message);
// A JSON body with no-store caching, keeping the request's keep-alive.
http_response json_response(const http_request& req, unsigned status, const nlohmann::json& body);
// A request header's value ("" when absent).
std::string header(const http_request& req, std::string_view name);

}  // namespace parley::server
