// Opening graphs and datasets from what a user types.
//
// A graph SPEC is either a file — .gmg binary, SNAP edge list, MatrixMarket or .lg labelled
// graph, told apart by their contents rather than their names — a dataset folder (LINQS or
// OGB raw layout, whose graph is taken), or a generator call "NAME:key=value,...":
//   kron:scale=16,edge_factor=16,seed=1   er:vertices=1000,edges=5000,seed=1
//   csbm:nodes=10000,classes=8,avg_degree=10,homophily=0.8,features=64,seed=1
// A dataset SPEC is a LINQS folder, an OGB folder or a csbm call.
// The generator parameters are listed once, in generator_parameters(), and serve both the
// specs and the command-line flags of `graphmini data generate`.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/generators.h"
#include "runtime/graph.h"
#include "runtime/input.h"

namespace graphmini::datasets {

enum class GraphFormat { binary, edge_list, matrix_market, labelled };

std::string_view format_name(GraphFormat format);

// Peeks at the first bytes of `input` (decompressed if gzip), leaving them to be read: the
// .gmg magic, "%%MatrixMarket", a first record starting with "t ", "v " or "e " (.lg);
// anything else is an edge list. A name ending in .gmg is always the binary format.
GraphFormat detect_graph_format(Input& input);

// One parameter of a generator, bound to a field of an options struct.
struct GeneratorParameter {
  std::string name;  // as in specs: "edge_factor"
  std::string help;
  std::string type;           // "INT" or "NUMBER", for help texts
  std::string default_value;  // the field's value when the parameter list was made
  // Parses and stores a value; throws InvalidArgument naming the parameter on a bad value.
  std::function<void(std::string_view)> set;
};

std::vector<GeneratorParameter> generator_parameters(KroneckerOptions& options);
std::vector<GeneratorParameter> generator_parameters(ErdosRenyiOptions& options);
std::vector<GeneratorParameter> generator_parameters(CsbmOptions& options);

// Applies "key=value,key=value" to the parameters. Throws InvalidArgument for an unknown key
// (listing the known ones), a missing '=' or a bad value.
void apply_generator_arguments(const std::vector<GeneratorParameter>& parameters,
                               std::string_view arguments);

// True when `spec` names a generator ("kron:", "er:", "csbm:") rather than a path.
bool is_generator_spec(std::string_view spec);

// True when `spec` names a dataset (a folder or a csbm call), whose nodes carry data.
bool is_dataset_spec(std::string_view spec);

// Opens a graph SPEC; "-" reads standard input. When `format` is given it receives what the
// spec was: a format_name(), "linqs", "ogb" or "generator".
Graph open_graph(std::string_view spec, std::string* format = nullptr);
// Opens a dataset SPEC with the split named `split` (an OGB split folder, or the LINQS
// file NAME.SPLIT-split.tsv); empty: the only split there is (LINQS: planetoid). With
// FeatureLoading::on_demand the features' rows are left out, for Dataset::read_features.
Dataset open_dataset(std::string_view spec, const std::string& split = "",
                     FeatureLoading loading = FeatureLoading::all);

// The format a graph is written in: `format` when given (binary or edge_list), else told by
// the extension: ".gmg" binary, ".txt", ".el", ".edges" or ".tsv" edge list. Throws
// InvalidArgument when neither tells (a device, a FIFO, "-" without a format).
GraphFormat output_format(const std::filesystem::path& path, std::optional<GraphFormat> format);

// Writes the graph (runtime/files.h: "-" is standard output; files appear atomically).
void save_graph(const Graph& graph, const std::filesystem::path& path,
                std::optional<GraphFormat> format = {});

}  // namespace graphmini::datasets
