package api

// RouteTable lists the method and path of every route of the table, so
// that tests cover routes added later without being told.
func RouteTable() [][2]string {
	var s Server
	var out [][2]string
	for _, r := range s.routes() {
		out = append(out, [2]string{r.method, r.path})
	}
	return out
}
