//! Code generation over proc_macro2, testable without a compiler session.
//!
//! Generated code reaches the runtime only through the crate path (default
//! `::schema_core`, overridable with `crate = "…"`), carries no
//! `cfg(feature = …)`, and keeps a table's model as one JSON string that
//! schema-core decodes on first use (constant data cost several times the
//! struct to compile; BENCHMARKS.md, "Compile cost"). On error the
//! user's item is still emitted (minus our helper attributes) next to the
//! `compile_error!`s, so one mistake gives one error.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use schema_core::model::{Column, DefaultValue, ForeignKey, Literal, SqlType};
use schema_core::syntax::{self, EnumDef, TableDef};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

/// `#[table]`.
pub fn table(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemStruct = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = item_error(
                &input,
                "`#[table]` goes on a struct with named fields, one per column\nhelp: for a PostgreSQL enum type use `#[pg_enum]`",
            );
            return with_errors(input, error);
        }
    };
    let result = syntax::table_def(args, &item);
    strip_field_attrs(&mut item);
    match result {
        Ok(def) => {
            let generated = table_impl(&def, &item);
            quote!(#item #generated)
        }
        Err(error) => {
            let accessors = fallback_accessors(&item);
            let errors = error.to_compile_error();
            quote!(#item #accessors #errors)
        }
    }
}

/// `#[pg_enum]`.
pub fn pg_enum(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemEnum = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = item_error(
                &input,
                "`#[pg_enum]` goes on an enum whose variants have no fields\nhelp: for a table use `#[table]`",
            );
            return with_errors(input, error);
        }
    };
    let result = syntax::enum_def(args, &item);
    for variant in &mut item.variants {
        variant.attrs.retain(|a| !a.path().is_ident("value"));
    }
    match result {
        Ok(def) => {
            let generated = enum_impl(&def);
            quote!(#item #generated)
        }
        Err(error) => {
            let fallback = fallback_enum(&item);
            let errors = error.to_compile_error();
            quote!(#item #fallback #errors)
        }
    }
}

/// An error under the kind and name of an item the attribute does not fit
/// (`enum User`), or under the attribute when the item cannot be read.
fn item_error(input: &TokenStream, message: &str) -> syn::Error {
    let head = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Enum(item)) => Some((item.enum_token.to_token_stream(), item.ident)),
        Ok(syn::Item::Struct(item)) => Some((item.struct_token.to_token_stream(), item.ident)),
        Ok(syn::Item::Union(item)) => Some((item.union_token.to_token_stream(), item.ident)),
        Ok(syn::Item::Fn(item)) => Some((item.sig.fn_token.to_token_stream(), item.sig.ident)),
        Ok(syn::Item::Type(item)) => Some((item.type_token.to_token_stream(), item.ident)),
        _ => None,
    }
    .map(|(keyword, ident)| quote!(#keyword #ident));
    match head {
        Some(head) => syn::Error::new_spanned(head, message),
        None => syn::Error::new(Span::call_site(), message),
    }
}

fn with_errors(input: TokenStream, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote!(#input #errors)
}

fn strip_field_attrs(item: &mut syn::ItemStruct) {
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !a.path().is_ident("column"));
    }
}

/// Column accessors without metadata and a `Table` impl with an empty
/// model, so that code using the struct (a foreign key to it included) does
/// not drown the real error in "no associated item" or "not a table" errors.
fn fallback_accessors(item: &syn::ItemStruct) -> TokenStream {
    let krate: syn::Path = syn::parse_quote!(::schema_core);
    let ident = &item.ident;
    if !item.generics.params.is_empty() {
        return TokenStream::new();
    }
    let consts = item.fields.iter().enumerate().filter_map(|(i, field)| {
        let name = field.ident.as_ref()?;
        let (vis, ty) = (&field.vis, &field.ty);
        let sql = name.to_string();
        let nullability = nullability(&krate, is_option(ty));
        Some(quote! {
            #vis const #name: #krate::Column<#ident, #ty #nullability> = #krate::Column::__new(#i, #sql);
        })
    });
    let (schema, name) = (
        schema_core::model::DEFAULT_SCHEMA,
        syntax::snake_case(&ident.to_string()),
    );
    let model = schema_core::model::Table {
        schema: schema.into(),
        name: name.clone().into(),
        columns: Vec::new().into(),
        primary_key: None,
        uniques: Vec::new().into(),
        foreign_keys: Vec::new().into(),
        checks: Vec::new().into(),
        indexes: Vec::new().into(),
        renamed_from: None,
    };
    let description = serde_json::to_string(&model).expect("a model serializes to JSON");
    quote! {
        #[allow(non_upper_case_globals, dead_code, unused_qualifications)]
        impl #ident { #(#consts)* }

        #[allow(unused_qualifications)]
        impl #krate::Table for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const ENUMS: &'static [&'static #krate::__private::Enum] = &[];
            const __KEYS: #krate::__private::Option<&'static [&'static [&'static str]]> =
                #krate::__private::None;

            fn model() -> &'static #krate::__private::TableModel {
                static MODEL: #krate::__private::ModelCell = #krate::__private::ModelCell::new();
                MODEL.get(#description, &[], &[])
            }
        }
    }
}

/// A `PgEnum` impl with no labels, so that tables using the enum do not
/// report it as a type without a PostgreSQL column type.
fn fallback_enum(item: &syn::ItemEnum) -> TokenStream {
    let krate: syn::Path = syn::parse_quote!(::schema_core);
    let ident = &item.ident;
    if !item.generics.params.is_empty() {
        return TokenStream::new();
    }
    let g = Gen { krate: &krate };
    let (schema, name) = (
        schema_core::model::DEFAULT_SCHEMA,
        syntax::snake_case(&ident.to_string()),
    );
    let (schema_cow, name_cow, none, empty) =
        (g.str(schema), g.str(&name), g.opt_str(None), g.list([]));
    quote! {
        #[allow(unused_qualifications)]
        impl #krate::PgEnum for #ident {
            const SCHEMA: &'static str = #schema;
            const NAME: &'static str = #name;
            const ENUM: &'static #krate::__private::Enum = &#krate::__private::Enum {
                schema: #schema_cow,
                name: #name_cow,
                values: #empty,
                renamed_from: #none,
                renamed_values: #empty,
            };

            fn label(&self) -> &'static str {
                ""
            }

            fn from_label(_label: &str) -> #krate::__private::Option<Self> {
                #krate::__private::None
            }
        }

        #krate::__private::impl_pg_enum_sql!(#ident);
    }
}

struct Gen<'a> {
    krate: &'a syn::Path,
}

impl Gen<'_> {
    fn str(&self, value: &str) -> TokenStream {
        let krate = self.krate;
        quote!(#krate::__private::Cow::Borrowed(#value))
    }

    fn opt_str(&self, value: Option<&str>) -> TokenStream {
        let krate = self.krate;
        match value {
            Some(value) => {
                let value = self.str(value);
                quote!(#krate::__private::Some(#value))
            }
            None => quote!(#krate::__private::None),
        }
    }

    fn list(&self, items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
        let krate = self.krate;
        let items = items.into_iter();
        quote!(#krate::__private::Cow::Borrowed(&[#(#items),*]))
    }

    fn str_list<'s>(&self, items: impl IntoIterator<Item = &'s str>) -> TokenStream {
        self.list(items.into_iter().map(|s| self.str(s)))
    }
}

fn table_impl(def: &TableDef, item: &syn::ItemStruct) -> TokenStream {
    let krate = &def.crate_path;
    let ident = &def.ident;
    let table = &def.table;

    let accessors = item
        .fields
        .iter()
        .zip(&def.fields)
        .enumerate()
        .map(|(i, (field, f))| {
            let (vis, name, ty) = (&field.vis, &f.ident, &f.ty);
            let sql = &*table.columns[i].name;
            let doc = format!("The `{sql}` column.");
            let nullability = nullability(krate, table.columns[i].nullable);
            quote! {
                #[doc = #doc]
                #vis const #name: #krate::Column<#ident, #ty #nullability> = #krate::Column::__new(#i, #sql);
            }
        });

    // The model as one JSON string, decoded by schema-core on first use; the
    // names it takes from other types (foreign keys' targets, enum types)
    // are passed beside it, spanned where the user wrote those types.
    let mut model = table.clone();
    model.foreign_keys = def
        .foreign_keys
        .iter()
        .map(|fk| ForeignKey {
            name: fk.name.clone().into(),
            columns: fk
                .fields
                .iter()
                .map(|&i| table.columns[i].name.clone())
                .collect(),
            references_schema: "".into(),
            references_table: "".into(),
            references_columns: Vec::new().into(),
            on_delete: fk.on_delete,
            on_update: fk.on_update,
        })
        .collect();
    let description = serde_json::to_string(&model).expect("a model serializes to JSON");
    // The compile-time checks, as statements of at most two constants per
    // table rather than one item per check (fewer items for rustc; BENCHMARKS.md,
    // "Compile cost"): `type_checks` fail type checking, each with its own
    // error; `value_checks` fail const evaluation, which reports the first
    // failure of a table only. Kept apart so that a type error does not hide
    // a failed value check.
    let mut type_checks = Vec::new();
    let mut value_checks = Vec::new();
    let references = def.foreign_keys.iter().map(|fk| {
        let target = fk.target_type();
        let schema = quote_spanned!(target.span()=> <#target as #krate::Table>::SCHEMA);
        let table_name = quote_spanned!(target.span()=> <#target as #krate::Table>::NAME);
        let paths = &fk.references;
        for (&i, path) in fk.fields.iter().zip(paths) {
            // `check_reference(User::id, Post::user_id)`: the compiler blames
            // the second argument, so it is spanned like the reference
            // (`User` … `id`) to put the error under `User::id`.
            let (first, last) = path_ends(path);
            let mut table = ident.clone();
            table.set_span(first);
            let mut field = def.fields[i].ident.clone();
            field.set_span(last);
            let check = respan(
                quote!(#krate::__private::check_reference),
                def.fields[i].ident.span(),
            );
            type_checks.push(quote_spanned! {first=>
                #check(#path, #table::#field);
            });
        }
        // PostgreSQL only accepts a foreign key to the primary key or a
        // unique constraint: checked by const evaluation, under the reference.
        let span = paths[0].span();
        value_checks.push(quote_spanned! {span=>
            ::core::assert!(
                #krate::__private::is_key_of(<#target as #krate::Table>::__KEYS, &[#(#paths.name()),*]),
                "a foreign key must reference the primary key or a unique constraint of its table: mark the referenced column `primary_key` or `unique`",
            );
        });
        quote!((#schema, #table_name, &[#(#paths.name()),*]))
    });
    let references: Vec<TokenStream> = references.collect();
    let enum_types = def.fields.iter().zip(table.columns.iter()).enumerate().filter_map(|(i, (f, c))| {
        let ty = f.enum_type.as_ref().filter(|_| matches!(c.sql_type, SqlType::Enum { .. }))?;
        // Spanned on the field's type: an unknown type fails here, with
        // `PgEnum`'s on_unimplemented message.
        Some(quote_spanned!(ty.span()=> (#i, <#ty as #krate::PgEnum>::SCHEMA, <#ty as #krate::PgEnum>::NAME)))
    });
    let keys = table.foreign_key_targets().map(|key| quote!(&[#(#key),*]));
    let schema_name = &*table.schema;
    let table_name = &*table.name;

    let mut seen = std::collections::BTreeSet::new();
    let enums = def.fields.iter().filter_map(|f| {
        let ty = f.enum_type.as_ref()?;
        seen.insert(ty.to_token_stream().to_string())
            .then(|| quote_spanned!(ty.span()=> <#ty as #krate::PgEnum>::ENUM))
    });

    // A text default on an enum column must be one of its labels: checked by
    // const evaluation, under the field's type. (An enum array's default is
    // an array literal such as `"{}"`, which the server checks.)
    value_checks.extend(def.fields.iter().zip(table.columns.iter()).filter_map(|(f, c)| {
        let ty = f.enum_type.as_ref().filter(|_| c.array_dims == 0)?;
        let Some(DefaultValue::Literal(Literal::String(label))) = &c.default else {
            return None;
        };
        let label = &**label;
        Some(quote_spanned! {ty.span()=>
            ::core::assert!(
                #krate::__private::has_label(<#ty as #krate::PgEnum>::ENUM, #label),
                "the column's default is not a label of its enum type: use one of the enum's labels",
            );
        })
    }));
    let checks = [type_checks, value_checks]
        .into_iter()
        .filter(|checks| !checks.is_empty())
        .map(|checks| {
            quote! {
                #[allow(unused_qualifications)]
                const _: () = { #(#checks)* };
            }
        });

    let from_row = from_row_call(
        krate,
        ident,
        def.fields
            .iter()
            .zip(table.columns.iter())
            .map(|(f, c)| (&f.ident, &*c.name)),
    );

    let insert = insert_impl(def, item);

    quote! {
        #[allow(non_upper_case_globals, unused_qualifications)]
        impl #ident {
            #(#accessors)*
        }

        #[allow(unused_qualifications)]
        impl #krate::Table for #ident {
            const SCHEMA: &'static str = #schema_name;
            const NAME: &'static str = #table_name;
            const ENUMS: &'static [&'static #krate::__private::Enum] = &[#(#enums),*];
            const __KEYS: #krate::__private::Option<&'static [&'static [&'static str]]> =
                #krate::__private::Some(&[#(#keys),*]);

            fn model() -> &'static #krate::__private::TableModel {
                static MODEL: #krate::__private::ModelCell = #krate::__private::ModelCell::new();
                MODEL.get(#description, &[#(#references),*], &[#(#enum_types),*])
            }
        }

        #(#checks)*

        #from_row
        #insert
    }
}

/// A struct field next to its parsed definition.
struct FieldRef<'a> {
    field: &'a syn::Field,
    def: &'a syntax::FieldDef,
}

/// Whether the database fills a column left out of an insert: a default,
/// an identity, a serial type or a generated expression.
fn has_database_default(column: &Column) -> bool {
    column.default.is_some()
        || column.identity.is_some()
        || column.generated.is_some()
        || column.sql_type.serial_base().is_some()
}

/// The derives of the table's struct that also fit its `New…` struct: the
/// standard ones, whose field bounds hold for a subset of the fields.
/// `Default` is left out on purpose: `..Default::default()` would let a
/// required column be forgotten.
fn new_struct_derives(item: &syn::ItemStruct) -> Vec<syn::Path> {
    const FITTING: &[&str] = &[
        "Clone",
        "Copy",
        "Debug",
        "PartialEq",
        "Eq",
        "PartialOrd",
        "Ord",
        "Hash",
    ];
    let mut derives = Vec::new();
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            let fits = meta
                .path
                .segments
                .last()
                .is_some_and(|s| FITTING.contains(&&*s.ident.to_string()));
            if fits {
                derives.push(meta.path);
            }
            Ok(())
        });
    }
    derives
}

/// Insert support: `Insertable` for the struct (every column but generated
/// ones; not at all when the database always fills a column), and the
/// `New…` struct with a field per column that has no database default.
///
/// The bounds are higher-ranked so that a field type that cannot be a
/// parameter only fails where `insert` is used, not here.
fn insert_impl(def: &TableDef, item: &syn::ItemStruct) -> TokenStream {
    let krate = &def.crate_path;
    let ident = &def.ident;
    let columns = &def.table.columns;
    let private = quote!(#krate::__private);

    // The fields as tuples of at most `FIELDS_PER_TUPLE`: one bound and one
    // call per tuple rather than per column keeps the impls cheap to check.
    let tuples = |fields: &[(usize, &FieldRef<'_>)]| -> Vec<(TokenStream, TokenStream)> {
        let mut chunks: Vec<&[(usize, &FieldRef<'_>)]> = fields
            .chunks(schema_core::query::FIELDS_PER_TUPLE)
            .collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        chunks
            .into_iter()
            .map(|chunk| {
                let types = chunk.iter().map(|(_, f)| &f.def.ty);
                let names = chunk.iter().map(|(_, f)| &f.def.ident);
                let positions = chunk.iter().map(|(i, _)| i);
                (
                    quote!((#(#types,)*)),
                    quote!((#(self.#names,)*), &[#(#positions),*]),
                )
            })
            .collect()
    };
    // The where clause and the `__into_values` body binding `fields`.
    let bounds_and_values = |fields: &[(usize, &FieldRef<'_>)]| {
        let (types, calls): (Vec<_>, Vec<_>) = tuples(fields).into_iter().unzip();
        let first = &calls[0];
        let rest = &calls[1..];
        (
            quote!(#(for<'__v> #types: #private::Fields,)*),
            quote!(#private::Values::__from_fields(#first) #(.__and_fields(#rest))*),
        )
    };

    let refs: Vec<FieldRef<'_>> = item
        .fields
        .iter()
        .zip(&def.fields)
        .map(|(field, def)| FieldRef { field, def })
        .collect();

    // The whole struct, unless the database always fills a column.
    let always_filled = columns
        .iter()
        .any(|c| c.generated.is_some() || c.identity.as_ref().is_some_and(|i| i.always));
    let whole = (!always_filled).then(|| {
        let fields: Vec<(usize, &FieldRef<'_>)> = refs.iter().enumerate().collect();
        let (bounds, values) = bounds_and_values(&fields);
        quote! {
            #[allow(unused_qualifications)]
            impl #private::Insertable<#ident> for #ident
            where
                #bounds
            {
                fn __into_values(self) -> #private::Values<#ident> {
                    #values
                }
            }
        }
    });

    // `New…`: the columns without a database default.
    let new_ident = def
        .insert_struct
        .clone()
        .unwrap_or_else(|| syn::Ident::new(&format!("New{ident}"), ident.span()));
    let required: Vec<(usize, &FieldRef<'_>)> = refs
        .iter()
        .enumerate()
        .filter(|(i, _)| !has_database_default(&columns[*i]))
        .collect();
    let defaulted: Vec<String> = columns
        .iter()
        .zip(&def.fields)
        .filter(|(c, _)| has_database_default(c))
        .map(|(_, f)| format!("`{}`", f.ident))
        .collect();
    let doc = format!(
        " A new row of [`{ident}`] for `insert`: a field for every column without a database default."
    );
    let doc_defaulted = (!defaulted.is_empty()).then(|| {
        let text = format!(
            " Left to the database: {}; set one with `.with({ident}::column, value)`.",
            defaulted.join(", ")
        );
        quote!(#[doc = ""] #[doc = #text])
    });
    let vis = &item.vis;
    let derives = new_struct_derives(item);
    let derive = (!derives.is_empty()).then(|| quote!(#[derive(#(#derives),*)]));
    let new_fields = required.iter().map(|(_, f)| {
        let docs = f.field.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let (vis, name, ty) = (&f.field.vis, &f.def.ident, &f.def.ty);
        quote!(#(#docs)* #vis #name: #ty)
    });
    let (bounds, values) = bounds_and_values(&required);
    quote! {
        #whole

        #[doc = #doc]
        #doc_defaulted
        #derive
        #vis struct #new_ident {
            #(#new_fields,)*
        }

        #[allow(unused_qualifications)]
        impl #private::Insertable<#ident> for #new_ident
        where
            #bounds
        {
            fn __into_values(self) -> #private::Values<#ident> {
                #values
            }
        }

        #[allow(unused_qualifications)]
        impl #new_ident {
            /// This row, with `column` set too (a column the database would
            /// otherwise fill with its default).
            pub fn with<C: #private::ColumnOf<#ident>>(
                self,
                column: C,
                value: impl #private::IntoValue<C::Value>,
            ) -> #private::Values<#ident>
            where
                for<'__v> Self: #private::Insertable<#ident>,
            {
                #private::Insertable::__into_values(self).with(column, value)
            }
        }

        // Never satisfied: `..Default::default()` would let a required
        // column be forgotten. Says so instead of suggesting a derive.
        #[allow(unused_qualifications)]
        impl ::core::default::Default for #new_ident
        where
            for<'__v> #new_ident: #private::RequiredColumnsMustBeSet,
        {
            fn default() -> Self {
                ::core::unreachable!()
            }
        }

        #[allow(unused_qualifications)]
        impl ::core::convert::From<#new_ident> for #private::Values<#ident>
        where
            for<'__v> #new_ident: #private::Insertable<#ident>,
        {
            fn from(row: #new_ident) -> Self {
                #private::Insertable::__into_values(row)
            }
        }
    }
}

/// `#[derive(FromRow)]`: positional row decoding for a struct with named
/// fields, and `FromColumns` for the tuple of its field types (and for the
/// single field's type, for a one-field struct).
pub fn from_row(input: TokenStream) -> TokenStream {
    let item: syn::ItemStruct = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            return item_error(
                &input,
                "`#[derive(FromRow)]` goes on a struct with named fields, one per selected column",
            )
            .to_compile_error();
        }
    };
    let fields = match &item.fields {
        syn::Fields::Named(fields) if !fields.named.is_empty() => &fields.named,
        _ => {
            return syn::Error::new_spanned(
                &item.ident,
                "`#[derive(FromRow)]` needs named fields, one per selected column",
            )
            .to_compile_error();
        }
    };
    let krate: syn::Path = syn::parse_quote!(::schema_core);
    let ident = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let types: Vec<_> = fields.iter().map(|f| &f.ty).collect();
    let names: Vec<(&syn::Ident, String)> = fields
        .iter()
        .filter_map(|f| f.ident.as_ref())
        .map(|name| (name, name.unraw().to_string()))
        .collect();
    let from_row = from_row_call(
        &krate,
        ident,
        names.iter().map(|(name, column)| (*name, column.as_str())),
    );
    let single = match types.as_slice() {
        [only] => quote! {
            #[allow(unused_qualifications)]
            impl #impl_generics #krate::query::FromColumns<#only> for #ident #ty_generics #where_clause {}
        },
        _ => TokenStream::new(),
    };
    quote! {
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::query::FromColumns<(#(#types,)*)> for #ident #ty_generics #where_clause {}
        #single
        #from_row
    }
}

/// `impl_from_row!(T, width { start => (field as binding = "column", …), … })`:
/// positional row decoding, in chunks of at most
/// [`schema_core::query::FIELDS_PER_TUPLE`] fields (one `decode_fields` call
/// each). Each field's local binding is the
/// field's name prefixed with `__` and spanned `mixed_site`, so a
/// constant or static in the user's scope named like a field is never
/// taken for a pattern.
fn from_row_call<'f>(
    krate: &syn::Path,
    ident: &syn::Ident,
    fields: impl IntoIterator<Item = (&'f syn::Ident, &'f str)>,
) -> TokenStream {
    let fields: Vec<_> = fields.into_iter().collect();
    let width = fields.len();
    let per_tuple = schema_core::query::FIELDS_PER_TUPLE;
    let chunks = fields.chunks(per_tuple).enumerate().map(|(i, chunk)| {
        let start = i * per_tuple;
        let fields = chunk.iter().map(|(field, column)| {
            let binding = syn::Ident::new(&format!("__{}", field.unraw()), Span::mixed_site());
            quote!(#field as #binding = #column)
        });
        quote!(#start => (#(#fields),*))
    });
    quote! {
        #krate::__private::impl_from_row!(#ident, #width { #(#chunks),* });
    }
}

/// The third parameter of a nullable column's `Column<T, V, Null>` (a
/// non-nullable column keeps the default, `NotNull`).
fn nullability(krate: &syn::Path, nullable: bool) -> TokenStream {
    if nullable {
        quote!(, #krate::__private::Null)
    } else {
        TokenStream::new()
    }
}

/// Whether a field's type is spelled `Option<…>` (how the parser decides
/// that a column is nullable).
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option"),
        _ => false,
    }
}

/// The spans of a path's first and last segments.
fn path_ends(path: &syn::Path) -> (Span, Span) {
    let first = path
        .segments
        .first()
        .map_or_else(Span::call_site, |s| s.ident.span());
    let last = path.segments.last().map_or(first, |s| s.ident.span());
    (first, last)
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = inner.into();
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

fn enum_impl(def: &EnumDef) -> TokenStream {
    let krate = &def.crate_path;
    let g = Gen { krate };
    let ident = &def.ident;
    let model = &def.model;
    let schema_name = &*model.schema;
    let type_name = &*model.name;
    let schema = g.str(schema_name);
    let name = g.str(type_name);
    let values = g.str_list(model.values.iter().map(|v| &**v));
    let renamed_from = g.opt_str(model.renamed_from.as_deref());
    let renamed_values = g.list(model.renamed_values.iter().map(|r| {
        let (from, to) = (g.str(&r.from), g.str(&r.to));
        quote!(#krate::__private::RenamedValue { from: #from, to: #to })
    }));
    let labels: Vec<&str> = model.values.iter().map(|v| &**v).collect();
    let variants = &def.variants;
    quote! {
        #[allow(unused_qualifications)]
        impl #krate::PgEnum for #ident {
            const SCHEMA: &'static str = #schema_name;
            const NAME: &'static str = #type_name;
            const ENUM: &'static #krate::__private::Enum = &#krate::__private::Enum {
                schema: #schema,
                name: #name,
                values: #values,
                renamed_from: #renamed_from,
                renamed_values: #renamed_values,
            };

            fn label(&self) -> &'static str {
                match *self {
                    #(#ident::#variants => #labels,)*
                }
            }

            fn from_label(label: &str) -> #krate::__private::Option<Self> {
                match label {
                    #(#labels => #krate::__private::Some(#ident::#variants),)*
                    _ => #krate::__private::None,
                }
            }
        }

        #krate::__private::impl_pg_enum_sql!(#ident);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pretty(tokens: TokenStream) -> String {
        let file: syn::File = syn::parse2(tokens).expect("expansion parses as a file");
        prettyplease::unparse(&file)
    }

    #[test]
    fn expands_a_table() {
        let args = quote!(name = "user");
        let item = quote! {
            pub struct User {
                #[column(primary_key)]
                pub id: String,
                #[column(unique)]
                pub email: String,
                #[column(default = false)]
                pub email_verified: bool,
                pub image: Option<String>,
            }
        };
        insta::assert_snapshot!(pretty(table(args, item)));
    }

    #[test]
    fn decodes_rows_in_chunks_of_16_fields() {
        let fields: Vec<(syn::Ident, String)> = (0..18)
            .map(|i| (quote::format_ident!("c{i}"), format!("col_{i}")))
            .chain([(syn::parse_quote!(r#type), "type".to_owned())])
            .collect();
        let call = from_row_call(
            &syn::parse_quote!(::schema_core),
            &syn::parse_quote!(Wide),
            fields
                .iter()
                .map(|(field, column)| (field, column.as_str())),
        );
        insta::assert_snapshot!(pretty(call));
    }

    #[test]
    fn expands_an_enum() {
        let item = quote! {
            pub enum PlanInterval { Month, #[value(name = "per_year")] Year }
        };
        insta::assert_snapshot!(pretty(pg_enum(TokenStream::new(), item)));
    }
}
