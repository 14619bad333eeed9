/* mlcourse.widgets static view: draws precomputed frames over a background image.
   No network, no dependencies. See mlcourse/widgets/__init__.py for the DOM contract. */
(function () {
  if (window.mlcourseWidget) return;
  function points(p) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < p.length; i += 2) {
      x += p[i]; y += p[i + 1];
      out.push(x / 10 + "," + y / 10);
    }
    return out.join(" ");
  }
  window.mlcourseWidget = function (root) {
    var data = JSON.parse(root.querySelector("script.mlcourse-widget-data").textContent);
    var svg = root.querySelector("svg"), NS = svg.namespaceURI;
    var img = root.querySelector("img.mlcourse-widget-background");
    var lines = svg.querySelector("g.mlcourse-widget-lines");
    var legend = svg.querySelector("g.mlcourse-widget-legend");
    var inputs = root.querySelectorAll("input[type=range]");
    var shown = -1;
    function el(name, attrs, parent) {
      var e = document.createElementNS(NS, name);
      for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
      parent.appendChild(e);
      return e;
    }
    var defs = el("defs", {}, svg);
    svg.insertBefore(defs, svg.firstChild);
    data.styles.forEach(function (s, i) {
      if (!s.marker) return;
      var m = el("marker", {id: root.id + "-m" + i, markerUnits: "userSpaceOnUse", markerWidth: s.size,
                            markerHeight: s.size, refX: s.size / 2, refY: s.size / 2,
                            viewBox: "0 0 " + s.size + " " + s.size, overflow: "visible"}, defs);
      el("circle", {cx: s.size / 2, cy: s.size / 2, r: s.size / 2, fill: s.color}, m);
    });
    var clips = el("g", {}, defs);
    function stroke(s, attrs) {
      attrs.fill = "none"; attrs.stroke = s.color; attrs["stroke-width"] = s.width;
      attrs["stroke-linejoin"] = "round";
      attrs["stroke-linecap"] = s.dasharray ? "butt" : "square";
      attrs["stroke-dasharray"] = s.dasharray ? s.dasharray.join(" ") : null;
      return attrs;
    }
    function draw(key) {
      var frame = data.frames[key];
      if (!frame) return;
      if (frame[0] !== shown) {
        shown = frame[0];
        img.src = data.backgrounds[shown];
        clips.textContent = "";
        data.clips[shown].forEach(function (c, a) {
          var cp = el("clipPath", {id: root.id + "-clip" + a}, clips);
          el("rect", {x: c[0], y: c[1], width: c[2], height: c[3]}, cp);
        });
      }
      lines.textContent = "";
      legend.textContent = "";
      var L = data.legend, entry = 0;
      frame[1].forEach(function (l, i) {
        var s = data.styles[l[1]], label = l[2] < 0 ? null : data.labels[l[2]];
        var marker = s.marker ? "url(#" + root.id + "-m" + l[1] + ")" : null;
        var g = el("g", {"class": "mlcourse-widget-line", "data-index": i, "data-label": label,
                         "clip-path": "url(#" + root.id + "-clip" + l[0] + ")", opacity: s.alpha}, lines);
        data.paths[l[3]].forEach(function (p) {
          el("polyline", stroke(s, {points: points(p), "marker-start": marker, "marker-mid": marker,
                                    "marker-end": marker}), g);
        });
        if (label === null) return;
        var x = L.x + (entry % L.ncols) * L.col, y = L.y + (Math.floor(entry / L.ncols) + 0.5) * L.row;
        entry += 1;
        var e = el("g", {"class": "mlcourse-widget-legend-entry", "data-index": i, opacity: s.alpha}, legend);
        el("line", stroke(s, {x1: x, y1: y, x2: x + L.sample, y2: y}), e);
        if (s.marker) el("circle", {cx: x + L.sample / 2, cy: y, r: s.size / 2, fill: s.color}, e);
        el("text", {x: x + L.sample + 6, y: y, "font-size": L.font, "dominant-baseline": "central"}, e).textContent = label;
      });
      root.setAttribute("data-frame-key", key);
    }
    function update() {
      var key = [];
      inputs.forEach(function (input) {
        key.push(input.value);
        var labels = JSON.parse(input.getAttribute("data-labels"));
        input.parentNode.querySelector("output").textContent = labels[+input.value];
      });
      draw(key.join(","));
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
    root.setAttribute("data-ready", "true");
  };
})();
