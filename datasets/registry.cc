#include "datasets/registry.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <type_traits>

#include "datasets/edge_list_format.h"
#include "datasets/labelled_graph_format.h"
#include "datasets/linqs.h"
#include "datasets/matrix_market.h"
#include "datasets/ogb.h"
#include "datasets/text_input.h"
#include "runtime/binary_graph.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"

namespace graphmini::datasets {
namespace {

template <typename T>
std::string to_text(T value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

template <typename T>
T parse_value(const std::string& name, std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw InvalidArgument("generator parameter '" + name + "': '" + std::string(text) +
                          "' is not " +
                          (std::is_integral_v<T> ? "a non-negative integer" : "a number"));
  }
  return value;
}

template <typename T>
GeneratorParameter bind(std::string name, std::string help, T& field) {
  return {name, std::move(help), std::is_integral_v<T> ? "INT" : "NUMBER", to_text(field),
          [&field, name](std::string_view text) { field = parse_value<T>(name, text); }};
}

struct GeneratorCall {
  std::string_view name;
  std::string_view arguments;
};

GeneratorCall split_generator_spec(std::string_view spec) {
  const auto colon = spec.find(':');
  return {spec.substr(0, colon), colon == std::string_view::npos ? "" : spec.substr(colon + 1)};
}

// The first line that is not blank and not a comment, from the first 64 KiB at most.
std::string first_record(const std::filesystem::path& path) {
  TextInput input(path, std::size_t{1} << 16);
  TextInput::Chunk chunk;
  if (!input.next(chunk)) return {};
  std::string_view text = chunk.text;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.starts_with("%%MatrixMarket")) return std::string(line);
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos || line[start] == '#' || line[start] == '%') continue;
    return std::string(line.substr(start));
  }
  return {};
}

}  // namespace

std::string_view format_name(GraphFormat format) {
  switch (format) {
    case GraphFormat::binary:
      return "gmg";
    case GraphFormat::edge_list:
      return "edge-list";
    case GraphFormat::matrix_market:
      return "matrix-market";
    case GraphFormat::labelled:
      return "lg";
  }
  return "unknown";
}

GraphFormat detect_graph_format(const std::filesystem::path& path) {
  if (is_binary_graph(path)) return GraphFormat::binary;
  const std::string record = first_record(path);
  if (record.starts_with("%%MatrixMarket")) return GraphFormat::matrix_market;
  if (record.size() >= 2 && (record[0] == 't' || record[0] == 'v' || record[0] == 'e') &&
      (record[1] == ' ' || record[1] == '\t')) {
    return GraphFormat::labelled;
  }
  return GraphFormat::edge_list;
}

std::vector<GeneratorParameter> generator_parameters(KroneckerOptions& options) {
  return {bind("scale", "log2 of the vertex count", options.scale),
          bind("edge_factor", "generated pairs per vertex", options.edge_factor),
          bind("a", "R-MAT probability of the top-left quadrant", options.a),
          bind("b", "R-MAT probability of the top-right quadrant", options.b),
          bind("c", "R-MAT probability of the bottom-left quadrant", options.c),
          bind("seed", "random seed", options.seed)};
}

std::vector<GeneratorParameter> generator_parameters(ErdosRenyiOptions& options) {
  return {bind("vertices", "number of vertices n", options.vertices),
          bind("edges", "number of distinct edges m", options.edges),
          bind("seed", "random seed", options.seed)};
}

std::vector<GeneratorParameter> generator_parameters(CsbmOptions& options) {
  return {bind("nodes", "number of nodes", options.nodes),
          bind("classes", "number of classes", options.classes),
          bind("avg_degree", "average degree", options.average_degree),
          bind("homophily", "probability that an edge stays inside a class", options.homophily),
          bind("features", "feature dimension", options.features),
          bind("signal", "norm of the class means (noise has unit variance)", options.signal),
          bind("train", "fraction of nodes in the training split", options.train_fraction),
          bind("val", "fraction of nodes in the validation split", options.validation_fraction),
          bind("seed", "random seed", options.seed)};
}

void apply_generator_arguments(const std::vector<GeneratorParameter>& parameters,
                               std::string_view arguments) {
  while (!arguments.empty()) {
    const auto comma = arguments.find(',');
    const std::string_view item = arguments.substr(0, comma);
    arguments = comma == std::string_view::npos ? std::string_view{} : arguments.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      throw InvalidArgument("generator argument '" + std::string(item) + "' is not key=value");
    }
    const std::string_view key = item.substr(0, equals);
    const auto parameter = std::ranges::find(parameters, key, &GeneratorParameter::name);
    if (parameter == parameters.end()) {
      std::string known;
      for (const auto& p : parameters)
        known += (known.empty() ? "" : ", ") + p.name;
      throw InvalidArgument("unknown generator parameter '" + std::string(key) +
                            "'; known: " + known);
    }
    parameter->set(item.substr(equals + 1));
  }
}

bool is_generator_spec(std::string_view spec) {
  const auto name = split_generator_spec(spec).name;
  return spec.find(':') != std::string_view::npos &&
         (name == "kron" || name == "er" || name == "csbm");
}

bool is_dataset_spec(std::string_view spec) {
  if (is_generator_spec(spec)) return split_generator_spec(spec).name == "csbm";
  return std::filesystem::is_directory(std::filesystem::path(spec));
}

Graph open_graph(std::string_view spec) {
  if (is_generator_spec(spec)) {
    const auto [name, arguments] = split_generator_spec(spec);
    if (name == "kron") {
      KroneckerOptions options;
      apply_generator_arguments(generator_parameters(options), arguments);
      return build_graph(generate_kronecker(options), {.keep_isolated_vertices = true});
    }
    if (name == "er") {
      ErdosRenyiOptions options;
      apply_generator_arguments(generator_parameters(options), arguments);
      return build_graph(generate_erdos_renyi(options), {.keep_isolated_vertices = true});
    }
    return std::move(open_dataset(spec).graph);
  }
  const std::filesystem::path path(spec);
  if (std::filesystem::is_directory(path)) return std::move(open_dataset(spec).graph);
  switch (detect_graph_format(path)) {
    case GraphFormat::binary:
      return map_binary_graph(path);
    case GraphFormat::matrix_market:
      return read_matrix_market_graph(path);
    case GraphFormat::labelled:
      return read_labelled_graph(path);
    case GraphFormat::edge_list:
      break;
  }
  return read_edge_list_graph(path);
}

Dataset open_dataset(std::string_view spec) {
  if (is_generator_spec(spec)) {
    const auto [name, arguments] = split_generator_spec(spec);
    if (name != "csbm") {
      throw InvalidArgument("'" + std::string(spec) +
                            "' generates a graph without node data; datasets come from csbm:...");
    }
    CsbmOptions options;
    apply_generator_arguments(generator_parameters(options), arguments);
    return generate_csbm(options);
  }
  const std::filesystem::path path(spec);
  if (!std::filesystem::exists(path)) {
    throw IoError("cannot open dataset", std::string(spec), ENOENT);
  }
  if (is_linqs_folder(path)) return read_linqs(path);
  if (is_ogb_folder(path)) return read_ogb(path);
  throw InvalidArgument("'" + std::string(spec) +
                        "' is not a dataset: expected a LINQS folder (NAME.content, NAME.cites), "
                        "an OGB raw-layout folder (raw/edge.csv) or a csbm:... generator spec");
}

void save_graph(const Graph& graph, const std::filesystem::path& path) {
  const auto extension = path.extension();
  if (extension == ".gmg") {
    write_binary_graph(graph, path);
  } else if (extension == ".txt" || extension == ".el" || extension == ".edges" ||
             extension == ".tsv") {
    write_edge_list(graph, path);
  } else {
    throw InvalidArgument("cannot tell the output format of '" + path.string() +
                          "': use .gmg (binary) or .txt, .el, .edges, .tsv (edge list)");
  }
}

}  // namespace graphmini::datasets
