/*
 * The app's own map behaviour, shared by every page's map (views/maps.py, views/chb_page.py,
 * views/action_days_page.py). Served by Streamlit at /app/static/js/maps.js and loaded into each map's
 * frame after Leaflet (views/offline_assets.py), so it works with no internet. Each Python map element
 * writes one call to a function here, passing its map, its layer group and its data; the behaviour
 * itself lives in this file, where it can be read, linted and cached by the browser once.
 */
(function () {
    "use strict";

    /* A GeoJSON layer for large, pre-styled data (views.maps.DataLayer): each feature's
     * properties.style overrides the layer's options; ``tooltip`` is a list of [property, label] pairs
     * shown as a table (every string already HTML-escaped in Python). */
    function dataLayer(parent, data, options, tooltip) {
        var settings = Object.assign(options, {
            style: function (f) { return f.properties.style || {}; }
        });
        if (tooltip) {
            settings.onEachFeature = function (f, layer) {
                layer.bindTooltip(function () {
                    return "<table>" + tooltip.map(function (row) {
                        var v = f.properties[row[0]];
                        return "<tr><th>" + row[1] + "</th><td>"
                            + (typeof v === "number" ? v.toLocaleString("en-GB") : v) + "</td></tr>";
                    }).join("") + "</table>";
                }, {sticky: true});
            };
        }
        return L.geoJson(data, settings).addTo(parent);
    }

    /* Fit the map to ``bounds`` at once when ``key`` differs from the last box fitted in page variable
     * ``slot`` (views.maps.FitArea), so a user's own panning survives reruns of the page. */
    function fitArea(map, slot, key, bounds) {
        if (window[slot] !== key) {
            window[slot] = key;
            map.fitBounds(bounds, {padding: [8, 8], animate: false});
        }
    }

    /* Focus the map without scrolling the page (views.maps.FocusInPlace): a press on a map below the
     * fold must stay a click, not become a drag. */
    function focusInPlace(map) {
        var c = map.getContainer(), focus = c.focus;
        c.focus = function () { focus.call(c, {preventScroll: true}); };
    }

    /* Place names as text (views.maps.PlaceLabels): ``places`` is [[name, lat, lon, kind], ...], larger
     * places first; smaller kinds show once zoomed in, and a name overlapping one kept waits. */
    function placeLabels(map, places) {
        var markers = [];
        places.forEach(function (p) {
            markers.push(L.marker([p[1], p[2]], {
                icon: L.divIcon({
                    className: "place-label place-" + p[3], html: "<span>" + p[0] + "</span>",
                    iconSize: [0, 0]
                }),
                keyboard: false, interactive: false, title: p[0], zIndexOffset: 1000
            }).addTo(map));
        });
        function zoomClass() {
            var z = map.getZoom(), c = map.getContainer().classList;
            c.toggle("zoom-12", z >= 12 && z < 13);
            c.toggle("zoom-13", z >= 13);
        }
        function declutter() {
            var kept = [];
            markers.forEach(function (m) {
                var el = m.getElement(), span = el && el.firstChild;
                if (!span) return;
                span.style.visibility = "";
                if (getComputedStyle(el).display === "none") return;
                var r = span.getBoundingClientRect();
                if (kept.some(function (k) {
                    return r.left < k.right && r.right > k.left && r.top < k.bottom && r.bottom > k.top;
                })) {
                    span.style.visibility = "hidden";
                } else {
                    kept.push(r);
                }
            });
        }
        function relabel() { zoomClass(); declutter(); }
        map.on("zoomend", relabel);
        map.whenReady(relabel);
    }

    /* Lay the numbered action-day bubbles of ``group`` out (views.action_days_page.PinLayout): greedy
     * in rank order, each on its place when free, else at the nearest free spot on rings of 28, 40, 56
     * and 76 px (12 directions from straight up), clear of placed bubbles and every dot, with a line back
     * to its dot. Runs after every zoom while the group is shown and once it is on the map (a swapped-in
     * group's script runs before the group is added). */
    function pinLayout(map, group) {
        var GAP = 2, DOT = 7;
        function layout() {
            if (!map.hasLayer(group)) return;
            var pins = [];
            group.eachLayer(function (layer) {
                var icon = layer.getElement && layer.getElement();
                var el = icon && icon.querySelector(".ad-wrap");
                if (!el) return;
                var bubble = el.querySelector(".ad-pin");
                pins.push({
                    el: el, rank: +el.dataset.rank, p: map.latLngToLayerPoint(layer.getLatLng()),
                    w: bubble.offsetWidth, h: bubble.offsetHeight
                });
            });
            pins.sort(function (a, b) { return a.rank - b.rank; });
            var placed = [];
            pins.forEach(function (pin) {
                var spot = null;
                [0, 28, 40, 56, 76].some(function (r) {
                    var steps = r === 0 ? 1 : 12;
                    for (var k = 0; k < steps && !spot; k++) {
                        var a = -Math.PI / 2 + 2 * Math.PI * k / steps;
                        var x = pin.p.x + r * Math.cos(a), y = pin.p.y + r * Math.sin(a);
                        // bubbles are boxes: clear when apart along either axis
                        var clear = placed.every(function (q) {
                            return Math.abs(q.x - x) >= (q.w + pin.w) / 2 + GAP
                                || Math.abs(q.y - y) >= (q.h + pin.h) / 2 + GAP;
                        }) && pins.every(function (o) {
                            return o === pin || Math.abs(o.p.x - x) >= pin.w / 2 + DOT
                                || Math.abs(o.p.y - y) >= pin.h / 2 + DOT;
                        });
                        if (clear) spot = {x: x, y: y, r: r, a: a, w: pin.w, h: pin.h};
                    }
                    return spot !== null;
                });
                spot = spot || {x: pin.p.x, y: pin.p.y, r: 0, a: 0, w: pin.w, h: pin.h};
                placed.push(spot);
                pin.el.querySelector(".ad-pin").style.transform =
                    "translate(" + (spot.x - pin.p.x) + "px," + (spot.y - pin.p.y) + "px)";
                var line = pin.el.querySelector(".ad-leader");
                line.style.width = spot.r + "px";
                line.style.transform = "rotate(" + spot.a + "rad)";
            });
        }
        map.on("zoomend viewreset", layout);
        group.on("remove", function () { map.off("zoomend viewreset", layout); });
        group.on("add", function () { setTimeout(layout, 0); });
        setTimeout(layout, 0);
    }

    /* A minimal offline polygon-drawing tool (views.chb_page.PolygonDraw): "Draw an area", click the
     * corners, "Finish" or "Cancel". The finished polygon replaces any earlier one in the returned layer
     * group (the page keeps it as ``drawnItems``, which streamlit-folium reads) and is announced with
     * Leaflet's "draw:created" event, exactly as leaflet.draw would. */
    function polygonDraw(map, colour) {
        var drawn = new L.FeatureGroup().addTo(map);
        var points = [], preview = null, box = null, finishButton = null;
        var sketch = {color: colour, weight: 2, dashArray: "4 4", fillOpacity: 0.1};
        var done = {color: colour, weight: 3, fillOpacity: 0.15};
        function redraw() {
            if (preview) { map.removeLayer(preview); preview = null; }
            if (points.length > 2) { preview = L.polygon(points, sketch).addTo(map); }
            else if (points.length) { preview = L.polyline(points, sketch).addTo(map); }
            finishButton.classList.toggle("chb-off", points.length < 3);
        }
        function addPoint(e) { points.push(e.latlng); redraw(); }
        function stop() {
            points = []; redraw();
            map.off("click", addPoint);
            map.getContainer().style.cursor = "";
            box.classList.remove("chb-drawing");
        }
        function start() {
            stop(); drawn.clearLayers();
            map.on("click", addPoint);
            map.getContainer().style.cursor = "crosshair";
            box.classList.add("chb-drawing");
        }
        function finish() {
            if (points.length < 3) { return; }
            var polygon = L.polygon(points, done);
            stop();
            drawn.clearLayers();
            drawn.addLayer(polygon);
            map.fire("draw:created", {layer: polygon, layerType: "polygon"});
        }
        function button(text, title, cls, action) {
            var a = L.DomUtil.create("a", cls, box);
            a.href = "#"; a.textContent = text; a.title = title; a.setAttribute("role", "button");
            L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e); action(); });
            return a;
        }
        var Control = L.Control.extend({
            options: {position: "topleft"},
            onAdd: function () {
                box = L.DomUtil.create("div", "leaflet-bar chb-draw");
                L.DomEvent.disableClickPropagation(box);
                button("\u270E Draw an area", "Click its corners on the map", "chb-start", start);
                finishButton = button("\u2713 Finish", "Finish the area", "chb-step chb-off", finish);
                button("\u2715 Cancel", "Cancel drawing", "chb-step", stop);
                return box;
            }
        });
        map.addControl(new Control());
        return drawn;
    }

    window.kirklees = {
        dataLayer: dataLayer,
        fitArea: fitArea,
        focusInPlace: focusInPlace,
        placeLabels: placeLabels,
        pinLayout: pinLayout,
        polygonDraw: polygonDraw
    };
})();
