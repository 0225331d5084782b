package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/calendar"
	"github.com/morphcrm/morph/schema/lang"
)

// collCalendars holds the saved business calendars: id = calendar name,
// data: the document.
const collCalendars = "_calendars"

// calendarDef is a saved calendar as the catalog holds it.
type calendarDef struct {
	cal     *schema.Calendar
	doc     string
	version int64
}

// CalendarInfo is a calendar as the API lists it. Builtin marks the
// built-in default calendar (Monday to Friday, 09:00–18:00 in the business
// time zone), which stands while no calendar named "default" is saved.
type CalendarInfo struct {
	Name     string
	Label    morph.Text
	Timezone string
	Version  int64
	Doc      string // the document as saved (JSON)
	Builtin  bool
}

// Calendar returns a calendar by name: a saved one, or for "default" the
// built-in default when none of that name is saved.
func (c *Catalog) Calendar(name string) (CalendarInfo, bool) {
	if cd := c.calendars[name]; cd != nil {
		return CalendarInfo{Name: name, Label: cd.cal.Label, Timezone: cd.cal.Timezone, Version: cd.version, Doc: cd.doc}, true
	}
	if name == schema.DefaultCalendar {
		tz := c.zone.String()
		return CalendarInfo{Name: name, Label: morph.T("Default", "默认"), Timezone: tz, Doc: schema.DefaultCalendarDocument(tz), Builtin: true}, true
	}
	return CalendarInfo{}, false
}

// CalendarNames lists the calendars' names in alphabetical order, default
// (saved or built-in) among them.
func (c *Catalog) CalendarNames() []string {
	names := make([]string, 0, len(c.calendars)+1)
	for n := range c.calendars {
		names = append(names, n)
	}
	if c.calendars[schema.DefaultCalendar] == nil {
		names = append(names, schema.DefaultCalendar)
	}
	sort.Strings(names)
	return names
}

// WorkCalendar returns the working-time arithmetic of a calendar by name
// ("" is "default": the saved default, else the built-in one in the
// business time zone), for deadlines computed outside expressions (SLAs).
func (c *Catalog) WorkCalendar(name string) (*calendar.Calendar, bool) {
	if cal := c.lookupCalendar(name); cal != nil {
		return cal, true
	}
	if name == "" || name == schema.DefaultCalendar {
		return lang.DefaultCalendar(c.zone), true
	}
	return nil, false
}

// SavedCalendars is the number of saved calendars (the built-in default
// is not one).
func (c *Catalog) SavedCalendars() int { return len(c.calendars) }

// lookupCalendar is the catalog's answer to the working-time functions of
// expressions: a saved calendar by name ("" is "default"), or nil — for
// "default" the language then takes the built-in one in the business time
// zone. The catalog binds it once (calendarFn), so a write pays no more
// than a map lookup.
func (c *Catalog) lookupCalendar(name string) *lang.Calendar {
	if name == "" {
		name = schema.DefaultCalendar
	}
	if cd := c.calendars[name]; cd != nil {
		return cd.cal.Work
	}
	return nil
}

// calendarExists reports whether expressions may name a calendar.
func (c *Catalog) calendarExists(name string) bool {
	return name == "" || name == schema.DefaultCalendar || c.calendars[name] != nil
}

// PutCalendar checks a calendar document completely and stores it as the
// current version of the calendar named name; the document's "name" may be
// absent or the same. Only administrators may save calendars.
func (e *Engine) PutCalendar(ctx context.Context, actor Actor, name string, doc []byte, opts ...SaveOption) (CalendarInfo, bool, error) {
	if !actor.IsAdmin() {
		return CalendarInfo{}, false, errAdminOnly()
	}
	o := saveOpts(opts)
	doc, nameErr, err := namedDocument(name, doc, morph.T("calendar's", "日历"))
	if err != nil {
		return CalendarInfo{}, false, err
	}
	cal, err := schema.ParseCalendar(doc)
	if nameErr != nil { // reported with the document's other problems
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalid {
			return CalendarInfo{}, false, morph.Invalid(*nameErr)
		}
		me.Fields = append([]morph.FieldError{*nameErr}, me.Fields...)
		me.Text = morph.T("The calendar has %d problem(s)", "日历有 %d 处问题", len(me.Fields))
		return CalendarInfo{}, false, me
	}
	if err != nil {
		return CalendarInfo{}, false, err
	}
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	version, found, err := e.putDocument(ctx, actor, collCalendars, "calendar", name, nil, string(doc), o.ifVersion)
	if err != nil {
		return CalendarInfo{}, false, err
	}
	docs := cur.docSet()
	docs.calendars[name] = storedDoc{doc: string(doc), version: version}
	e.catalog.Store(e.newCatalog(cur.entities, docs))
	return CalendarInfo{Name: name, Label: cal.Label, Timezone: cal.Timezone, Version: version, Doc: string(doc)}, !found, nil
}

// DeleteCalendar removes a saved calendar. One that an expression of an
// entity, a workflow rule or an SLA policy names is refused with EInUse,
// naming each place (see Referrer.Pointer); deleting the saved "default"
// brings back the built-in one.
func (e *Engine) DeleteCalendar(ctx context.Context, actor Actor, name string, opts ...SaveOption) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	o := saveOpts(opts)
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	cd := cur.calendars[name]
	if cd == nil {
		return errUnknownCalendar(name)
	}
	refs, err := e.referrersOf(ctx, cur, NamedCalendar, name, false)
	if err != nil {
		return err
	}
	if len(refs) > 0 {
		return errInUse(morph.T("Other definitions name calendar %s; change or remove them before deleting it",
			"其他定义使用了日历 %s；请先修改或删除它们再删除该日历", name), refs)
	}
	err = e.st.Delete(ctx, collCalendars, name, o.ifVersion,
		e.defEntry(actor, AuditUndefine, "calendar", name, 0, e.now(), map[string]any{"version": float64(cd.version)}, nil))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound) && o.ifVersion > 0:
		return errDefinitionVersion()
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return storeFailure("delete calendar "+name, err)
	}
	docs := cur.docSet()
	delete(docs.calendars, name)
	e.catalog.Store(e.newCatalog(cur.entities, docs))
	return nil
}

// checkCalendars reports the calendars an entity's expressions name that
// the catalog lacks, at the expression's pointer with the name's offset.
func (c *Catalog) checkCalendars(ent *schema.Entity) []morph.FieldError {
	var errs []morph.FieldError
	for _, ref := range ent.Calendars() {
		if !c.calendarExists(ref.Name) {
			errs = append(errs, unknownCalendar(ref.Path, ref.CalendarRef))
		}
	}
	return errs
}

func unknownCalendar(path string, ref lang.CalendarRef) morph.FieldError {
	return morph.FieldError{Path: path, Code: "unknown_calendar", Offset: ref.Offset,
		Text: morph.T("There is no calendar %q (at character %d)", "不存在日历 %q（第 %d 个字符处）", ref.Name, ref.Offset+1)}
}

func errUnknownCalendar(name string) error {
	return morph.Errorf(morph.ENotFound, "Unknown calendar %q", "未知的日历 %q", name)
}

// namedDocument returns a definition document with its name checked
// against the URL's: absent (then set), or the same; nameErr says when it
// is another. what names the document ("calendar's").
func namedDocument(name string, doc []byte, what morph.Text) (out []byte, nameErr *morph.FieldError, err error) {
	if err := schema.CheckText(doc); err != nil {
		return nil, nil, err
	}
	out, nameErr = defdoc.Named(name, doc, morph.Text{
		EN: fmt.Sprintf("The %s name must be the one in the URL, %q", what.EN, name),
		ZH: fmt.Sprintf("%s名称必须与 URL 中的一致：%q", what.ZH, name)})
	return out, nameErr, nil
}

// compileCalendars compiles the stored calendars. One that no longer
// compiles (it cannot happen with the zone data built in, but a stored
// document is not trusted) is left out and logged: expressions naming it
// fail as for an unknown calendar.
func compileCalendars(prev *Catalog, docs map[string]storedDoc, log func(msg string, args ...any)) map[string]*calendarDef {
	out := make(map[string]*calendarDef, len(docs))
	for name, d := range docs {
		if prev != nil {
			if cd := prev.calendars[name]; cd != nil && cd.version == d.version && cd.doc == d.doc {
				out[name] = cd // unchanged: compiled already
				continue
			}
		}
		cal, err := schema.ParseCalendar([]byte(d.doc))
		if err != nil {
			log("calendar does not compile; it is left out", "calendar", name, "err", err)
			continue
		}
		out[name] = &calendarDef{cal: cal, doc: d.doc, version: d.version}
	}
	return out
}

// businessZone is the business time zone: that of the engine's clock.
func (e *Engine) businessZone() *time.Location {
	if loc := e.opts.Now().Location(); loc != nil {
		return loc
	}
	return time.UTC
}
