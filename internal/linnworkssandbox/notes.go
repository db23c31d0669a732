package linnworkssandbox

import "time"

// noteTypes are the note types of the account.
var noteTypes = []struct {
	NoteTypeId int    `json:"NoteTypeId"`
	NoteType   string `json:"NoteType"`
}{{1, "General"}, {2, "Processing"}, {3, "Customer service"}}

// getOrderNoteTypes is Orders/GetOrderNoteTypes.
func getOrderNoteTypes(*call) (any, error) { return noteTypes, nil }

// getOrderNotes is Orders/GetOrderNotes.
func getOrderNotes(c *call) (any, error) {
	o, err := c.orderParam("orderId", c.query("orderId"))
	if err != nil {
		return nil, err
	}
	return c.s.st.details(o).Notes, nil
}

// getOrdersNotes is Orders/GetOrdersNotes: notes keyed by order id; unknown ids are skipped.
func getOrdersNotes(c *call) (any, error) {
	var req struct {
		OrderIds []string `json:"orderIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out := map[string][]OrderNote{}
	for _, id := range req.OrderIds {
		if o, ok := c.s.st.get(id); ok {
			out[o.d.OrderId] = c.s.st.details(o).Notes
		}
	}
	return out, nil
}

// setOrderNotes is Orders/SetOrderNotes: the notes of the order become exactly the list sent
// (a note left out is deleted). Notes without an id get one; notes without a date get now.
func setOrderNotes(c *call) (any, error) {
	var req struct {
		OrderId    string      `json:"orderId"`
		OrderNotes []OrderNote `json:"orderNotes"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	o, err := c.orderParam("orderId", req.OrderId)
	if err != nil {
		return nil, err
	}
	notes := make([]OrderNote, 0, len(req.OrderNotes))
	for _, n := range req.OrderNotes {
		if id, ok := normGUID(n.OrderNoteId); ok {
			n.OrderNoteId = id
		} else {
			n.OrderNoteId = newGUID()
		}
		n.OrderId = o.d.OrderId
		if n.NoteDate.IsZero() {
			n.NoteDate = c.now
		}
		notes = append(notes, n)
	}
	o.d.Notes = notes
	c.touch(o)
	return noContent{}, nil
}

// addOrdersNote is Orders/AddOrdersNote: appends one note to each order.
func addOrdersNote(c *call) (any, error) {
	var req struct {
		OrderIds         []string `json:"OrderIds"`
		NoteText         string   `json:"NoteText"`
		IsInternal       bool     `json:"IsInternal"`
		IsProcessingNote bool     `json:"IsProcessingNote"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.NoteText == "" {
		return nil, badRequest("NoteText is required.")
	}
	var targets []*order
	for _, id := range req.OrderIds {
		o, err := c.orderParam("OrderIds", id)
		if err != nil {
			return nil, err
		}
		targets = append(targets, o)
	}
	out := struct {
		OrderNotes []OrderNote `json:"OrderNotes"` // the spec's OrderNoteDto has OrderNote's fields
	}{OrderNotes: []OrderNote{}}
	for _, o := range targets {
		n := c.newNote(o, req.NoteText, req.IsInternal)
		if req.IsProcessingNote {
			n.NoteTypeId = 2
		}
		o.d.Notes = append(o.d.Notes, n)
		c.touch(o)
		out.OrderNotes = append(out.OrderNotes, n)
	}
	return out, nil
}

func (c *call) newNote(o *order, text string, internal bool) OrderNote {
	return OrderNote{OrderNoteId: newGUID(), OrderId: o.d.OrderId, NoteDate: c.now.UTC().Truncate(time.Millisecond),
		Internal: internal, Note: text, CreatedBy: sandboxUserName, NoteTypeId: 1}
}
