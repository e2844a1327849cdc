package report

// onRequest hands a team's request to the receiver, with the team its
// topic names: a team cannot speak for another (the broker lets it write
// its own requests topic only).
func (r *Reporter) onRequest(name string, payload []byte) {
	team, ok := r.tree.RequestTeam(name)
	if !ok {
		r.log.Info("team request ignored: bad topic", "topic", name)
		return
	}
	r.cfg.OnTeamRequest(team, payload)
}
