package compiler

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/lazyre"
)

// htmlColorNames are the colour names dbt accepts for docs.node_color: the
// CSS names, spelled with gray only (not grey).
var htmlColorNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown
burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue
darkcyan darkgoldenrod darkgray darkgreen darkkhaki darkmagenta darkolivegreen darkorange darkorchid
darkred darksalmon darkseagreen darkslateblue darkslategray darkturquoise darkviolet deeppink
deepskyblue dimgray dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold
goldenrod gray green greenyellow honeydew hotpink indianred indigo ivory khaki lavender
lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray
lightgreen lightpink lightsalmon lightseagreen lightskyblue lightslategray lightsteelblue
lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid
mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise mediumvioletred
midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered
orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen
seashell sienna silver skyblue slateblue slategray snow springgreen steelblue tan teal thistle
tomato turquoise violet wheat white whitesmoke yellow yellowgreen`) {
		m[n] = true
	}
	return m
}()

var hexColorRe = lazyre.New(`^#(?:[0-9a-f]{3}){1,2}$`)

// validNodeColor says whether c is a colour dbt-docs can draw: a 3- or
// 6-digit hex code or an HTML colour name, in any case.
func validNodeColor(c string) bool {
	c = strings.ToLower(c)
	return htmlColorNames[c] || hexColorRe().MatchString(c)
}

// validateNodeColor refuses, as dbt's node config does, a docs.node_color
// that is neither a hex code nor an HTML colour name (dbt-docs would fail
// to draw the graph).
func validateNodeColor(l *diag.List, n *Node) {
	docs, _ := n.Config["docs"].(map[string]any)
	c, set := docs["node_color"]
	if !set || c == nil || c == "" {
		return
	}
	if s, ok := c.(string); ok && validNodeColor(s) {
		return
	}
	file, pos := ConfigSite(n)
	l.Add(diag.Errorf(file, pos, "set docs.node_color (in dbt_project.yml, the properties YAML or config()) to a hex code such as '#1f77b4' or an HTML colour name such as 'purple'",
		"%s %s: invalid color name for docs.node_color: %s; it is neither a valid HTML color name nor a valid hex code", n.ResourceType, n.Name, fmt.Sprint(c)))
}
