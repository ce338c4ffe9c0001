#pragma once
// Loading the student encoder (models/student.onnx + models/student.vocab)
// for the native front ends, and embedding a shop's documents with it on
// several threads: the core stays single-threaded, the edge owns threads.
#include <memory>
#include <string>
#include <vector>

#include "parley/dialog.hpp"
#include "parley/retriever.hpp"
#include "parley/sentence_encoder.hpp"

namespace parley::server {

// The vocabulary next to a model: "x/student.onnx" → "x/student.vocab".
std::string default_vocab_path(const std::string& model_path);

// Reads both files and loads them; throws std::runtime_error naming the file
// and what is wrong with it.
std::shared_ptr<const parley::sentence_encoder> load_student(const std::string& model_path,
                                                             std::string vocab_path = {});

// Vectors of `texts` (analysed text), texts.size() x dimension floats, split
// over `threads` threads (0: one per core, at most 8).
std::vector<float> embed_texts(const parley::sentence_encoder& student,
                               const std::vector<std::string>& texts, unsigned threads = 0);

// One vector per document of `index` (documents() order), the embedding
// plan's documents split over `threads` threads (0: one per core, at most 8).
std::vector<float> embed_documents(const parley::sentence_encoder& student,
                                   const parley::retriever& index, unsigned threads = 0);

// For the CLI front ends (chat, replay): the student loaded and the engine's
// documents embedded and attached, as `parley serve` does; null without a
// model path. Throws like load_student.
std::shared_ptr<const parley::sentence_encoder> attach_student(parley::dialog_engine& engine,
                                                               const std::string& model_path,
                                                               const std::string& vocab_path);
// engine.respond() with the message embedded by `student` when there is one.
parley::reply respond_embedded(const parley::dialog_engine& engine,
                               const parley::sentence_encoder* student, parley::session& s,
                               std::string_view text);

}  // namespace parley::server
