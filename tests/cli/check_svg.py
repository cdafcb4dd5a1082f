#!/usr/bin/env python3
"""check_svg.py NODES.json PICTURE.svg — checks a `loupe render` SVG against
`loupe nodes --json` of the same model, independently of the renderer:

  * every node of the main graph has a <g class="node"> whose id is its name
    (or Op_index when unnamed; repeated names get ~2, ~3 in order), except
    Constant/ConstantOfShape nodes folded into their readers, whose output
    name must then appear in a reader's tooltip;
  * every node's tooltip names each of its attributes ("name = ...");
  * every tensor from a drawn node or a graph input to a node is an edge
    <title>from->to</title> (or comes from a "ref:" tab, for long edges);
  * subgraph nodes (when drawn) carry their name or Op_index in their id.

Prints one line per problem and exits 1 if any.
"""
import json
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def main(nodes_path, svg_path):
    nodes = json.load(open(nodes_path))["nodes"]
    root = ET.parse(svg_path).getroot()
    ids, tips, edges = {}, {}, set()
    for g in root.iter(SVG + "g"):
        cls = g.get("class")
        title = g.find(SVG + "title")
        if cls == "node":
            ids[g.get("id")] = g
            a = g.find(".//" + SVG + "a")
            tips[g.get("id")] = a.get(XLINK + "title", "") if a is not None else ""
        elif cls == "edge" and title is not None:
            edges.add(title.text)
    problems = []
    main_nodes = [n for n in nodes if n["graph"] == ""]
    sub_nodes = [n for n in nodes if n["graph"] and not n["graph"].startswith("function ")]

    # expected ids, in order, with repeats numbered as the renderer does
    seen, expect = {}, []
    for n in main_nodes:
        base = n["name"] or "%s_%d" % (n["op_type"], n["index"])
        k = seen.get(base, 0) + 1
        seen[base] = k
        expect.append(base if k == 1 else "%s~%d" % (base, k))
    producer = {}
    for n, nid in zip(main_nodes, expect):
        for o in n["outputs"]:
            if o and o.get("name"):
                producer[o["name"]] = nid
    all_tips = "\n".join(tips.values())
    folded = set()
    for n, nid in zip(main_nodes, expect):
        if nid in ids:
            for attr in n["attributes"]:
                if "%s = " % attr not in tips[nid]:
                    problems.append("node %s: tooltip lacks attribute %s" % (nid, attr))
            continue
        if n["op_type"] in ("Constant", "ConstantOfShape") and n["domain"] == "ai.onnx":
            out = n["outputs"][0]["name"] if n["outputs"] else ""
            if out and out in all_tips:
                folded.add(nid)
                continue
        problems.append("node %s (%s) has no element" % (nid, n["op_type"]))
    n_edges = 0
    for n, nid in zip(main_nodes, expect):
        if nid not in ids:
            continue
        for i in n["inputs"]:
            if not i or not i.get("name") or i.get("initializer"):
                continue
            v = i["name"]
            src = producer.get(v)
            if src in folded:
                continue
            src = src if src else "input:" + v
            if src not in ids and src.startswith("input:"):
                continue  # an outer value or an initializer listed as input: no box
            n_edges += 1
            if "%s->%s" % (src, nid) not in edges and "ref:%s->%s" % (v, nid) not in edges and \
                    not any(e.startswith("ref:%s~" % v) and e.endswith("->" + nid) for e in edges):
                problems.append("no edge %s -> %s (tensor %s)" % (src, nid, v))
    clustered = any(g.get("class") == "cluster" for g in root.iter(SVG + "g"))
    for n in sub_nodes if clustered else []:
        base = n["name"] or "%s_%d" % (n["op_type"], n["index"])
        if not any(i == base or i.endswith("/" + base) or i.startswith(base + "~") for i in ids):
            if n["op_type"] not in ("Constant", "ConstantOfShape"):
                problems.append("subgraph node %s (%s, in %s) has no element" % (base, n["op_type"], n["graph"]))
    for p in problems[:20]:
        print("check_svg: %s: %s" % (svg_path, p))
    if len(problems) > 20:
        print("check_svg: %s: ... %d problems in all" % (svg_path, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
