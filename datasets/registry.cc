#include "datasets/registry.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <functional>
#include <limits>
#include <optional>
#include <type_traits>
#include <variant>

#include "datasets/edge_list_format.h"
#include "datasets/labelled_graph_format.h"
#include "datasets/linqs.h"
#include "datasets/matrix_market.h"
#include "datasets/ogb.h"
#include "datasets/text_input.h"
#include "runtime/binary_graph.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "runtime/parse_number.h"

namespace graphmini::datasets {
namespace {

template <typename T>
std::string to_text(T value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

// A parameter bound to `field`, taking values in [min, max].
template <typename T>
GeneratorParameter bind(std::string name, std::string help, T& field, T min,
                        T max = std::numeric_limits<T>::max()) {
  const std::string range = describe_range(min, max);
  return {name, std::move(help) + " " + range_text(min, max),
          std::is_integral_v<T> ? "INT" : "NUMBER", to_text(field),
          [&field, name, min, max, range](std::string_view text) {
            const std::optional<T> value = parse_number(text, min, max);
            if (!value) {
              throw InvalidArgument("generator parameter '" + name + "': " + quote(text) +
                                    " is not " + range);
            }
            field = *value;
          }};
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
std::string_view first_record(std::string_view text) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.starts_with("%%MatrixMarket")) return line;
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos || line[start] == '#' || line[start] == '%') continue;
    return line.substr(start);
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

GraphFormat detect_graph_format(Input& input) {
  const std::string_view first_bytes = input.peek(std::size_t{1} << 16);
  if (is_binary_graph(first_bytes) || std::filesystem::path(input.name()).extension() == ".gmg")
    return GraphFormat::binary;
  const std::string_view record = first_record(first_bytes);
  if (record.starts_with("%%MatrixMarket")) return GraphFormat::matrix_market;
  if (record.size() >= 2 && (record[0] == 't' || record[0] == 'v' || record[0] == 'e') &&
      (record[1] == ' ' || record[1] == '\t')) {
    return GraphFormat::labelled;
  }
  return GraphFormat::edge_list;
}

std::vector<GeneratorParameter> generator_parameters(KroneckerOptions& options) {
  return {bind("scale", "log2 of the vertex count", options.scale, 1u, 31u),
          bind("edge_factor", "generated pairs per vertex", options.edge_factor, 1u, 1u << 16),
          bind("a", "R-MAT probability of the top-left quadrant", options.a, 0.0, 1.0),
          bind("b", "R-MAT probability of the top-right quadrant", options.b, 0.0, 1.0),
          bind("c", "R-MAT probability of the bottom-left quadrant", options.c, 0.0, 1.0),
          bind("seed", "random seed", options.seed, std::uint64_t{0})};
}

std::vector<GeneratorParameter> generator_parameters(ErdosRenyiOptions& options) {
  return {bind("vertices", "number of vertices n", options.vertices, std::uint64_t{1},
               std::uint64_t{kMaxVertices}),
          bind("edges", "number of distinct edges m", options.edges, std::uint64_t{0},
               std::uint64_t{1} << 40),
          bind("seed", "random seed", options.seed, std::uint64_t{0})};
}

std::vector<GeneratorParameter> generator_parameters(CsbmOptions& options) {
  return {
      bind("nodes", "number of nodes", options.nodes, std::uint64_t{2},
           std::uint64_t{kMaxVertices}),
      bind("classes", "number of classes", options.classes, 2u, 1u << 16),
      bind("avg_degree", "average degree", options.average_degree, 0.0, 1e6),
      bind("homophily", "probability that an edge stays inside a class", options.homophily, 0.0,
           1.0),
      bind("features", "feature dimension", options.features, 1u, 1u << 20),
      bind("signal", "norm of the class means (noise has unit variance)", options.signal, 0.0, 1e6),
      bind("train", "fraction of nodes in the training split", options.train_fraction, 0.0, 1.0),
      bind("val", "fraction of nodes in the validation split", options.validation_fraction, 0.0,
           1.0),
      bind("seed", "random seed", options.seed, std::uint64_t{0})};
}

void apply_generator_arguments(const std::vector<GeneratorParameter>& parameters,
                               std::string_view arguments) {
  while (!arguments.empty()) {
    const auto comma = arguments.find(',');
    const std::string_view item = arguments.substr(0, comma);
    arguments = comma == std::string_view::npos ? std::string_view{} : arguments.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      throw InvalidArgument("generator argument " + quote(item) + " is not key=value");
    }
    const std::string_view key = item.substr(0, equals);
    const auto parameter = std::ranges::find(parameters, key, &GeneratorParameter::name);
    if (parameter == parameters.end()) {
      std::string known;
      for (const auto& p : parameters)
        known += (known.empty() ? "" : ", ") + p.name;
      throw InvalidArgument("unknown generator parameter " + quote(key) + "; known: " + known);
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

Graph open_graph(std::string_view spec, std::string* format) {
  const auto report = [format](std::string_view name) {
    if (format != nullptr) *format = name;
  };
  if (is_generator_spec(spec)) {
    report("generator");
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
  if (path != Input::kStandardInput && std::filesystem::is_directory(path)) {
    report(is_linqs_folder(path) ? "linqs" : "ogb");
    return std::move(open_dataset(spec).graph);
  }
  Input input(path);
  const GraphFormat detected = detect_graph_format(input);
  report(format_name(detected));
  if (detected == GraphFormat::binary) return read_binary_graph(input);
  TextInput text(std::move(input));
  switch (detected) {
    case GraphFormat::matrix_market:
      return read_matrix_market_graph(text);
    case GraphFormat::labelled:
      return read_labelled_graph(text);
    case GraphFormat::binary:
    case GraphFormat::edge_list:
      break;
  }
  return read_edge_list_graph(text);
}

namespace {

// A file dataset with its features read on demand: the file is parsed whole, here and on every
// read, and its features are cut to the rows asked for (file formats here keep no row index).
Dataset with_features_on_demand(std::function<Dataset()> read) {
  Dataset dataset = read();
  dataset.nodes.features = std::visit(
      [](const auto& features) -> Features {
        using Layout = std::decay_t<decltype(features)>;
        if constexpr (std::is_same_v<Layout, SparseFeatures>) {
          return SparseFeatures{0, features.cols, {0}, {}, {}};
        } else {
          return DenseFeatures{0, features.cols, {}};
        }
      },
      dataset.nodes.features);
  dataset.read_features = [read = std::move(read)](std::span<const VertexId> nodes) {
    const Features whole = read().nodes.features;
    return FeatureRows{select_rows(whole, nodes), features_crc(whole)};
  };
  return dataset;
}

}  // namespace

Dataset open_dataset(std::string_view spec, const std::string& split, FeatureLoading loading) {
  if (is_generator_spec(spec)) {
    const auto [name, arguments] = split_generator_spec(spec);
    if (name != "csbm") {
      throw InvalidArgument(quote(spec) +
                            " generates a graph without node data; datasets come from csbm:...");
    }
    if (!split.empty()) {
      throw InvalidArgument("a csbm:... dataset has one split, generated with it; --split " +
                            quote(split) + " names another");
    }
    CsbmOptions options;
    apply_generator_arguments(generator_parameters(options), arguments);
    return generate_csbm(options, loading);
  }
  const std::filesystem::path path(spec);
  if (!std::filesystem::exists(path)) {
    throw IoError("cannot open dataset", std::string(spec), ENOENT);
  }
  std::function<Dataset()> read;
  if (is_linqs_folder(path)) {
    read = [path, split] { return read_linqs(path, split); };
  } else if (is_ogb_folder(path)) {
    read = [path, split] { return read_ogb(path, split); };
  } else {
    throw InvalidArgument(quote(spec) +
                          " is not a dataset: expected a LINQS folder (NAME.content, NAME.cites), "
                          "an OGB raw-layout folder (raw/edge.csv) or a csbm:... generator spec");
  }
  return loading == FeatureLoading::on_demand ? with_features_on_demand(std::move(read)) : read();
}

GraphFormat output_format(const std::filesystem::path& path, std::optional<GraphFormat> format) {
  if (format) {
    if (*format != GraphFormat::binary && *format != GraphFormat::edge_list) {
      throw InvalidArgument("graphs are written as gmg or edge-list, not " +
                            std::string(format_name(*format)));
    }
    return *format;
  }
  const auto extension = path.extension();
  if (extension == ".gmg") return GraphFormat::binary;
  if (extension == ".txt" || extension == ".el" || extension == ".edges" || extension == ".tsv")
    return GraphFormat::edge_list;
  throw InvalidArgument("cannot tell the output format of " + quote(path.string()) +
                        ": use .gmg (binary) or .txt, .el, .edges, .tsv (edge list), or name "
                        "the format");
}

void save_graph(const Graph& graph, const std::filesystem::path& path,
                std::optional<GraphFormat> format) {
  if (output_format(path, format) == GraphFormat::binary) {
    write_binary_graph(graph, path);
  } else {
    write_edge_list(graph, path);
  }
}

}  // namespace graphmini::datasets
