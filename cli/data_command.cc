#include "cli/data_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/collective.h"
#include "cli/format.h"
#include "cli/progress.h"
#include "datasets/linqs.h"
#include "datasets/ogb.h"
#include "datasets/registry.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "runtime/graph_builder.h"
#include "runtime/graph_statistics.h"

namespace graphmini::cli {
namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json graph_summary(const Graph& graph) {
  const DegreeStatistics degrees = degree_statistics(graph);
  return {
      {"vertices", graph.num_vertices()},
      {"edges", graph.num_edges()},
      {"orientation", graph.orientation() == Orientation::undirected ? "undirected" : "oriented"},
      {"degree",
       {{"min", degrees.min},
        {"max", degrees.max},
        {"mean", degrees.mean},
        {"median", degrees.median},
        {"stddev", degrees.standard_deviation}}},
      {"labels", count_distinct_labels(graph)},
      {"memory_bytes", graph.memory_bytes()},
  };
}

nlohmann::json node_data_summary(const NodeData& nodes) {
  nlohmann::json features = {{"count", nodes.num_features()}};
  if (const auto* sparse = std::get_if<SparseFeatures>(&nodes.features)) {
    features["storage"] = "sparse";
    features["nonzeros"] = sparse->values.size();
  } else {
    features["storage"] = "dense";
  }
  return {{"nodes", nodes.num_nodes()},
          {"features", features},
          {"classes", nodes.num_classes},
          {"split",
           {{"train", nodes.count(Split::train)},
            {"validation", nodes.count(Split::validation)},
            {"test", nodes.count(Split::test)},
            {"none", nodes.count(Split::none)}}}};
}

void print_info(const nlohmann::json& info) {
  const auto& d = info["degree"];
  std::printf("source      %s\n", info["source"].get<std::string>().c_str());
  std::printf("format      %s\n", info["format"].get<std::string>().c_str());
  std::printf("vertices    %s\n", with_commas(info["vertices"].get<std::uint64_t>()).c_str());
  std::printf("edges       %s (%s)\n", with_commas(info["edges"].get<std::uint64_t>()).c_str(),
              info["orientation"].get<std::string>().c_str());
  std::printf("degree      min %s, median %g, mean %.2f, max %s, stddev %.2f\n",
              with_commas(d["min"].get<std::uint64_t>()).c_str(), d["median"].get<double>(),
              d["mean"].get<double>(), with_commas(d["max"].get<std::uint64_t>()).c_str(),
              d["stddev"].get<double>());
  const auto labels = info["labels"].get<std::uint64_t>();
  std::printf("labels      %s\n",
              labels == 0 ? "none" : (with_commas(labels) + " distinct").c_str());
  std::printf("memory      %s in CSR arrays\n",
              human_bytes(info["memory_bytes"].get<std::uint64_t>()).c_str());
  if (info.contains("node_data")) {
    const auto& nodes = info["node_data"];
    const auto& features = nodes["features"];
    std::string storage = features["storage"].get<std::string>();
    if (features.contains("nonzeros")) {
      storage += ", " + with_commas(features["nonzeros"].get<std::uint64_t>()) + " non-zeros";
    }
    std::printf("features    %s (%s)\n",
                with_commas(features["count"].get<std::uint64_t>()).c_str(), storage.c_str());
    std::printf("classes     %s\n", with_commas(nodes["classes"].get<std::uint64_t>()).c_str());
    const auto& split = nodes["split"];
    std::printf("split       train %s, validation %s, test %s, none %s\n",
                with_commas(split["train"].get<std::uint64_t>()).c_str(),
                with_commas(split["validation"].get<std::uint64_t>()).c_str(),
                with_commas(split["test"].get<std::uint64_t>()).c_str(),
                with_commas(split["none"].get<std::uint64_t>()).c_str());
  }
  std::printf("load        %.3f s\n", info["seconds"]["load"].get<double>());
}

struct InfoOptions {
  std::string source;
  std::string split;
  bool json = false;
};

// "generator", "linqs" or "ogb" for a dataset spec.
std::string dataset_format(const std::string& spec) {
  if (datasets::is_generator_spec(spec)) return "generator";
  return datasets::is_linqs_folder(spec) ? "linqs" : "ogb";
}

void run_info(const InfoOptions& options) {
  Progress progress;
  progress.step("loading " + options.source);
  const auto start = Clock::now();
  nlohmann::json info;
  std::string format;
  if (options.source != "-" && datasets::is_dataset_spec(options.source)) {
    const datasets::Dataset dataset = datasets::open_dataset(options.source, options.split);
    format = dataset_format(options.source);
    info = graph_summary(dataset.graph);
    info["node_data"] = node_data_summary(dataset.nodes);
  } else {
    if (!options.split.empty())
      throw InvalidArgument("--split is for datasets; " + quote(options.source) + " is a graph");
    info = graph_summary(datasets::open_graph(options.source, &format));
  }
  info["seconds"] = {{"load", seconds_since(start)}};
  progress.done();
  info["source"] = options.source;
  info["format"] = format;
  if (options.json) {
    std::printf("%s\n", info.dump(2).c_str());
  } else {
    print_info(info);
  }
}

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string format;  // empty: told by the output's extension
  bool degree_order = false;
};

// The value of --format ("gmg", "edge-list"; empty when not given).
std::optional<datasets::GraphFormat> format_option(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return name == "gmg" ? datasets::GraphFormat::binary : datasets::GraphFormat::edge_list;
}

// The --format option of the commands that write a graph.
void add_format_option(CLI::App& command, std::string& format) {
  command
      .add_option("--format", format,
                  "gmg or edge-list; needed where the output's name does not tell (-, a device "
                  "or FIFO)")
      ->check(CLI::IsMember({"gmg", "edge-list"}));
}

// Where the graph goes: a summary on stderr when the graph itself is written to standard
// output, else on stdout.
void report_written(const std::string& path, const Graph& graph) {
  std::FILE* stream = path == OutputFile::kStandardOutput ? stderr : stdout;
  std::fprintf(stream, "wrote %s: %s vertices, %s edges\n", path.c_str(),
               with_commas(graph.num_vertices()).c_str(), with_commas(graph.num_edges()).c_str());
}

void warn(const std::string& message) {
  std::fprintf(stderr, "graphmini: warning: %s\n", printable(message).c_str());
}

// --degree-order, for the commands that write graphs.
void add_degree_order_flag(CLI::App& command, bool& degree_order) {
  command.add_flag(
      "--degree-order", degree_order,
      "number the vertices by ascending degree, the order that count, list, motifs and "
      "explain work in, so that loading the written .gmg skips renumbering it (a large graph's "
      "copy); the input's ids are kept with it, and listing prints them");
}

void run_convert(const ConvertOptions& options) {
  const auto format = datasets::output_format(options.output, format_option(options.format));
  Progress progress;
  progress.step("loading " + options.input);
  Graph graph = datasets::open_graph(options.input);
  if (options.degree_order) {
    progress.step("numbering the vertices by degree");
    graph = relabel_by_degree(std::move(graph), DegreeOrder::ascending);
  }
  progress.step("writing " + options.output);
  datasets::save_graph(graph, options.output, format);
  progress.done();
  // A conversion that loses something says so.
  if (options.input != "-" && datasets::is_dataset_spec(options.input)) {
    warn("only the graph of dataset " + quote(options.input) +
         " was written; its features, labels and split were not");
  }
  if (format == datasets::GraphFormat::edge_list) {
    if (graph.has_labels())
      warn("an edge list holds no vertex labels; the labels of " +
           with_commas(graph.num_vertices()) + " vertices were not written");
    if (graph.orientation() == Orientation::oriented)
      warn("an edge list of an oriented graph reads back as an undirected graph");
  }
  report_written(options.output, graph);
}

// Adds one flag per generator parameter ("edge_factor" -> --edge-factor) to `command`; each
// states and checks its range.
void add_parameter_flags(CLI::App& command, std::vector<datasets::GeneratorParameter> parameters) {
  for (auto& parameter : parameters) {
    std::string flag = "--" + parameter.name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    command
        .add_option_function<std::string>(
            flag,
            [flag, set = parameter.set](const std::string& value) {
              try {
                set(value);
              } catch (const InvalidArgument& error) {
                throw CLI::ValidationError(flag, error.what());
              }
            },
            parameter.help)
        ->type_name(parameter.type)
        ->default_str(parameter.default_value);
  }
}

template <typename Options, typename Generate>
void add_graph_generator(CLI::App& generate, const char* name, const char* description,
                         Generate generator) {
  auto options = std::make_shared<Options>();
  auto output = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>();
  auto* command = generate.add_subcommand(name, description);
  add_parameter_flags(*command, datasets::generator_parameters(*options));
  command
      ->add_option("-o,--output", *output,
                   "output graph: .gmg (binary) or .txt/.el (edge list); - is standard output")
      ->required();
  add_format_option(*command, *format);
  auto degree_order = std::make_shared<bool>(false);
  add_degree_order_flag(*command, *degree_order);
  command->callback(
      on_root_only("data generate", [options, output, format, degree_order, generator, name] {
        const auto graph_format = datasets::output_format(*output, format_option(*format));
        Progress progress;
        progress.step(std::string("generating ") + name);
        EdgeList edges = generator(*options);
        progress.step("building the CSR graph");
        Graph graph = build_graph(std::move(edges), {.keep_isolated_vertices = true});
        if (*degree_order) {
          progress.step("numbering the vertices by degree");
          graph = relabel_by_degree(std::move(graph), DegreeOrder::ascending);
        }
        progress.step("writing " + *output);
        datasets::save_graph(graph, *output, graph_format);
        progress.done();
        report_written(*output, graph);
      }));
}

void add_generate_command(CLI::App& data) {
  auto* generate = data.add_subcommand(
      "generate", "Generate a synthetic graph or dataset (deterministic for a seed)");
  generate->require_subcommand(1);
  add_graph_generator<datasets::KroneckerOptions>(
      *generate, "kron", "Kronecker / R-MAT graph with Graph500 parameters",
      [](const datasets::KroneckerOptions& o) { return datasets::generate_kronecker(o); });
  add_graph_generator<datasets::ErdosRenyiOptions>(
      *generate, "er", "Erdos-Renyi G(n, m) graph: exactly m distinct edges",
      [](const datasets::ErdosRenyiOptions& o) { return datasets::generate_erdos_renyi(o); });

  auto options = std::make_shared<datasets::CsbmOptions>();
  auto output = std::make_shared<std::string>();
  auto* csbm = generate->add_subcommand(
      "csbm", "Contextual stochastic block model dataset (graph, features, labels, split)");
  add_parameter_flags(*csbm, datasets::generator_parameters(*options));
  csbm->add_option("-o,--output", *output,
                   "output folder, written in the OGB raw layout; it appears whole or not at "
                   "all, and replaces only an earlier dataset folder")
      ->required();
  csbm->callback(on_root_only("data generate", [options, output] {
    Progress progress;
    progress.step("generating csbm");
    const datasets::Dataset dataset = datasets::generate_csbm(*options);
    progress.step("writing " + *output);
    datasets::write_ogb(dataset, *output);
    progress.done();
    std::printf("wrote %s: %s nodes, %s edges, %s features, %u classes\n", output->c_str(),
                with_commas(dataset.graph.num_vertices()).c_str(),
                with_commas(dataset.graph.num_edges()).c_str(),
                with_commas(dataset.nodes.num_features()).c_str(), dataset.nodes.num_classes);
  }));
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Inspect, convert and generate graphs and datasets");
  data->require_subcommand(1);

  auto info = std::make_shared<InfoOptions>();
  auto* info_command = data->add_subcommand(
      "info", "Print vertices, edges, degree statistics, labels and memory of a graph or dataset");
  info_command
      ->add_option("source", info->source,
                   "a graph file (.gmg, SNAP edge list [.gz], .mtx, .lg; - for standard input), "
                   "a dataset folder (LINQS or OGB) or a generator spec such as kron:scale=16")
      ->required();
  info_command->add_option("--split", info->split,
                           "the split to count, for a dataset with several (an OGB split/NAME "
                           "folder, a LINQS NAME.SPLIT-split.tsv file)");
  info_command->add_flag("--json", info->json, "print one JSON object instead of text");
  info_command->callback(on_root_only("data info", [info] { run_info(*info); }));

  auto convert = std::make_shared<ConvertOptions>();
  auto* convert_command = data->add_subcommand(
      "convert", "Convert a graph to .gmg (binary, loads by mmap) or an edge list");
  convert_command
      ->add_option("input", convert->input,
                   "graph file (- for standard input), dataset folder or spec")
      ->required();
  convert_command
      ->add_option("output", convert->output,
                   "output file: .gmg, or .txt/.el/.edges/.tsv; written atomically (a device, "
                   "FIFO or - for standard output is written straight: give --format)")
      ->required();
  add_format_option(*convert_command, convert->format);
  add_degree_order_flag(*convert_command, convert->degree_order);
  convert_command->callback(on_root_only("data convert", [convert] { run_convert(*convert); }));

  add_generate_command(*data);
}

}  // namespace graphmini::cli
