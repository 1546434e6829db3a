//go:build ignore

// Command gen writes the seed CSVs of the shop example: a fictional bicycle
// shop, Cobble & Crank Cycles, selling bikes, parts and workshop services.
//
// The output is deterministic (a fixed PRNG seed), so running it again
// rewrites the same files. Run it from the repository root:
//
//	go run examples/shop/gen/main.go
//
// The data is messy on purpose, the way raw exports are: order statuses and
// payment methods come in mixed case, some customers left no email, workshop
// services have no SKU, and every amount is an integer number of cents.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	numCustomers = 40
	numOrders    = 120
)

type product struct {
	id         int
	sku        string // "" for services
	name       string
	category   string
	priceCents int
}

// The catalogue is fixed rather than random so the marts read like a real shop.
var products = []product{
	{1, "BK-RD-100", "Tarmac Sprint road bike", "bike", 189900},
	{2, "BK-GR-200", "Gravel Rover 2", "bike", 149500},
	{3, "BK-CM-300", "City Glide commuter", "bike", 79900},
	{4, "BK-KD-050", "Pebble 20in kids bike", "bike", 32900},
	{5, "BK-EB-400", "Volt Trail e-bike", "bike", 319900},
	{6, "CP-CH-11", "11-speed chain", "component", 3499},
	{7, "CP-TR-700", "700x32 puncture-resistant tyre", "component", 4299},
	{8, "CP-BP-01", "Disc brake pads (pair)", "component", 2199},
	{9, "CP-CS-1134", "11-34 cassette", "component", 7950},
	{10, "CP-TB-700", "700c inner tube", "component", 899},
	{11, "AC-HM-M", "Ridge helmet", "accessory", 8900},
	{12, "AC-LT-SET", "USB light set", "accessory", 4500},
	{13, "AC-LK-U", "Heavy U-lock", "accessory", 6450},
	{14, "AC-BT-750", "750ml bottle", "accessory", 1200},
	{15, "AC-PM-MINI", "Mini pump", "accessory", 2850},
	{16, "", "Full tune-up", "service", 9500},
	{17, "", "Flat repair", "service", 1800},
	{18, "", "Wheel true", "service", 2500},
}

var firstNames = []string{"Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas",
	"Kaito", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tove"}
var lastNames = []string{"Albers", "Brandt", "Castell", "Duarte", "Eklund", "Fontaine", "Grieve", "Holm",
	"Iqbal", "Janssen", "Kowal", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov"}

func main() {
	out := flag.String("out", filepath.Join("examples", "shop", "seeds"), "folder to write the CSVs to")
	flag.Parse()
	r := rand.New(rand.NewPCG(2024, 7))

	// Customers.
	customers := [][]string{{"customer_id", "first_name", "last_name", "email", "signup_date"}}
	signup := make([]time.Time, numCustomers+1)
	seenEmail := map[string]bool{}
	domains := []string{"example.com", "mail.example.org", "Example.net"}
	for id := 1; id <= numCustomers; id++ {
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		signup[id] = day(2023, 6, 1).AddDate(0, 0, r.IntN(330))
		email := ""
		if r.IntN(10) != 0 { // about one customer in ten left no email
			local := first + "." + last
			if seenEmail[strings.ToLower(local)] {
				local += strconv.Itoa(id)
			}
			seenEmail[strings.ToLower(local)] = true
			switch r.IntN(3) { // exports keep whatever case the customer typed
			case 0:
				local = strings.ToLower(local)
			case 1:
				local = strings.ToUpper(local[:1]) + strings.ToLower(local[1:])
			}
			email = local + "@" + domains[r.IntN(len(domains))]
		}
		customers = append(customers, []string{itoa(id), first, last, email, signup[id].Format("2006-01-02")})
	}

	// Products.
	productRows := [][]string{{"product_id", "sku", "product_name", "category", "price_cents"}}
	for _, p := range products {
		productRows = append(productRows, []string{itoa(p.id), p.sku, p.name, p.category, itoa(p.priceCents)})
	}

	// Orders, their items and their payments.
	orders := [][]string{{"order_id", "customer_id", "ordered_at", "status"}}
	items := [][]string{{"order_item_id", "order_id", "product_id", "quantity", "unit_price_cents"}}
	payments := [][]string{{"payment_id", "order_id", "payment_method", "amount_cents", "paid_at"}}
	itemID, paymentID := 0, 0
	for id := 1; id <= numOrders; id++ {
		// The last few customers never order, so the customer mart has zero rows to show.
		cust := 1 + r.IntN(numCustomers-4)
		start := day(2024, 1, 1)
		if signup[cust].After(start) {
			start = signup[cust]
		}
		span := int(day(2024, 6, 30).Sub(start).Hours()/24) + 1
		at := start.AddDate(0, 0, r.IntN(span)).Add(time.Duration(9*60+r.IntN(10*60)) * time.Minute)
		status := pick(r, []string{"completed", "completed", "completed", "completed", "completed", "completed",
			"shipped", "shipped", "placed", "returned", "cancelled", "cancelled"})
		orders = append(orders, []string{itoa(id), itoa(cust), at.Format("2006-01-02 15:04:05"), messyCase(r, status)})

		total := 0
		used := map[int]bool{}
		for n := 1 + r.IntN(4); n > 0; n-- {
			p := products[r.IntN(len(products))]
			if used[p.id] {
				continue
			}
			used[p.id] = true
			qty := 1
			if p.category == "component" || p.category == "accessory" {
				qty = 1 + r.IntN(3)
			}
			price := p.priceCents
			if p.category == "bike" && r.IntN(5) == 0 { // spring sale: 10% off some bikes
				price = price * 9 / 10
			}
			itemID++
			items = append(items, []string{itoa(itemID), itoa(id), itoa(p.id), itoa(qty), itoa(price)})
			total += qty * price
		}

		// Placed orders are not paid yet and cancelled ones never were; the rest are paid in full.
		if status == "placed" || status == "cancelled" {
			continue
		}
		paidAt := at.AddDate(0, 0, r.IntN(3)).Format("2006-01-02")
		if gift := 2500 * (1 + r.IntN(2)); r.IntN(5) == 0 && total > gift+100 {
			paymentID++
			payments = append(payments, []string{itoa(paymentID), itoa(id), messyCase(r, "gift_card"), itoa(gift), paidAt})
			total -= gift
		}
		method := "card"
		if r.IntN(4) == 0 {
			method = "cash"
		}
		paymentID++
		payments = append(payments, []string{itoa(paymentID), itoa(id), messyCase(r, method), itoa(total), paidAt})
	}

	write(*out, "raw_customers.csv", customers)
	write(*out, "raw_products.csv", productRows)
	write(*out, "raw_orders.csv", orders)
	write(*out, "raw_order_items.csv", items)
	write(*out, "raw_payments.csv", payments)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func itoa(n int) string { return strconv.Itoa(n) }

func pick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }

// messyCase returns s as a point-of-sale export might spell it.
func messyCase(r *rand.Rand, s string) string {
	switch r.IntN(6) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return strings.ToUpper(s[:1]) + s[1:]
	default:
		return s
	}
}

func write(dir, name string, rows [][]string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s (%d rows)\n", filepath.Join(dir, name), len(rows)-1)
}
